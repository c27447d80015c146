using System.Globalization;
using System.Reflection;

namespace AgentCron.Core.Storage;

/// <summary>A numbered schema migration: <c>NNNN_name.sql</c>, applied once, in order of <see cref="Version"/>.</summary>
public sealed record MigrationScript(int Version, string Name, string Sql);

/// <summary>
/// Loads the numbered migration scripts a store embeds as resources. Every store keeps its schema as
/// <c>Migrations/NNNN_name.sql</c> in its own dialect; how they are found and ordered is the same for all, so it lives
/// here, while applying them (locks, transactions, the version table) stays with each store.
/// </summary>
public static class EmbeddedScripts
{
    /// <summary>
    /// The <c>.sql</c> resources of <paramref name="assembly"/> whose names start with <paramref name="prefix"/>
    /// (e.g. <c>AgentCron.Sqlite.Migrations.</c>), ordered by the four-digit number that starts each name.
    /// </summary>
    public static IEnumerable<MigrationScript> Migrations(Assembly assembly, string prefix) =>
        assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n =>
            {
                var name = n[prefix.Length..^4];
                using var stream = assembly.GetManifestResourceStream(n)!;
                using var reader = new StreamReader(stream);
                return new MigrationScript(int.Parse(name[..4], CultureInfo.InvariantCulture), name, reader.ReadToEnd());
            })
            .OrderBy(s => s.Version);
}
