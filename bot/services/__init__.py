"""Use cases: what happens when a villager or manager acts, combining domain rules and storage."""
