namespace AgentCron.Postgres.Tests;

public sealed class PostgresLeaseClockTests
{
}
