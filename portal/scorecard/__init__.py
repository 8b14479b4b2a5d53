"""The collaboration scorecard (协作型绩效): work done for other departments, requests provided and
decided, action items, check-ins on shared targets, help asked and given; a top-floor aggregator."""
