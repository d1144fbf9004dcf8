"""Staff and patient web pages, and the REST API. Views are thin: parse, call, render."""
