"""Versioned consent documents and patients' electronic signatures of them."""
