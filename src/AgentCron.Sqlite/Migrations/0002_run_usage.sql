-- Tokens and cost of the attempt that finished a run, where the agent reports them (agent CLIs, model endpoints).
ALTER TABLE runs ADD COLUMN input_tokens INTEGER;
ALTER TABLE runs ADD COLUMN output_tokens INTEGER;
ALTER TABLE runs ADD COLUMN cost_usd REAL;
