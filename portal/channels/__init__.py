"""Setting up group robots and webhooks for the company, a project, a meeting series or a department."""
