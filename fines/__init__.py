"""Traffic fines: intake (IMAP, upload), PDF text and OCR, fields, plates, contracts, matching, deadlines."""
