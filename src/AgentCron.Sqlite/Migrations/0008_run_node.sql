-- The node that took a run's latest attempt, kept after the run ends (lease_owner is cleared then).
ALTER TABLE runs ADD COLUMN node TEXT;
