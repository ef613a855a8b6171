"""Support and service levels: the support desk with its SLA clocks (``sla.desk``) and the product's
availability within working hours (``sla.uptime``)."""
