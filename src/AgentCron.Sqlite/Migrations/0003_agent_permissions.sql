-- The permission posture of an agent CLI (read_only, edit, full); NULL is the provider's default (read-only).
ALTER TABLE tasks ADD COLUMN agent_permissions TEXT;
