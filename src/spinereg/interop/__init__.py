"""Exchange formats and de-identification: FHIR R4, REDCap CSV, Parquet. Imports no Django."""
