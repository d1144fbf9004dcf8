"""The BMAC procedure day: processing protocols per clinic (versioned), QC of the product
against the protocol in force, deviation acknowledgements, chain-of-identity checks and the
safety events they raise, the same-surgical-procedure checklist and the signed note."""
