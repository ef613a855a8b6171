"""Fine intake: mail and IMAP, the PDF sandbox and its worker, text and OCR, field extraction,
replies to senders, and the services and background tasks that take messages and uploads in."""
