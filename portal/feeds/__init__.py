"""Calendar feeds (RFC 5545) to subscribe to from a phone or a desktop calendar: each person's
meetings, due dates and approval time limits, and each project's milestones. A top-floor
aggregator: the secret in the address says whose feed it is, and every item is checked against
that person's permissions when the feed is rendered."""
