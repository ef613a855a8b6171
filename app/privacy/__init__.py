"""Data subjects' requests (GDPR art. 12-21): the register with its deadlines, restriction of processing,
the person's export, complete erasure and the retention job; features add their data through hooks."""
