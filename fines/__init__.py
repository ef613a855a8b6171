"""Traffic fines: intake/ (mail, IMAP, PDF sandbox, text and OCR, fields), workflow/ (states, matching,
deadlines, liability), outputs and exports, privacy, web/; models, jobs, CLI and demo data at the top."""
