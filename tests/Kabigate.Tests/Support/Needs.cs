namespace Kabigate.Tests.Support;

/// <summary>
/// What a test needs beyond .NET: tools on PATH and the PostgreSQL server. ./test installs and starts all of them; a
/// plain <c>dotnet test</c> without one skips the tests that need it, with the reason (and ./test fails on any skip).
/// </summary>
internal static class Needs
{
    /// <summary>The variable holding the admin URL of the test PostgreSQL server.</summary>
    public const string PostgresVariable = "KABIGATE_TEST_POSTGRES";

    /// <summary>Why tests needing <paramref name="tools"/> cannot run, or null when every one is on PATH.</summary>
    public static string? MissingTools(IEnumerable<string> tools)
    {
        var missing = tools.Where(t => !OnPath(t)).ToList();
        return missing.Count == 0 ? null
            : $"needs {string.Join(", ", missing)} on PATH: ./test installs it (tests/prepare-data.sh)";
    }

    /// <summary>Why tests needing PostgreSQL cannot run, or null when <see cref="PostgresVariable"/> is set.</summary>
    public static string? MissingPostgres() =>
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable(PostgresVariable))
            ? $"needs PostgreSQL: ./test starts one; set {PostgresVariable} (tests/postgres.sh start prints its URL)"
            : null;

    public static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, tool)));
}

/// <summary>A fact skipped, with the reason, when one of its tools is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools) => Skip = Needs.MissingTools(tools);
}

/// <summary>A theory skipped, with the reason, when one of its tools is not on PATH.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class ToolTheoryAttribute : TheoryAttribute
{
    public ToolTheoryAttribute(params string[] tools) => Skip = Needs.MissingTools(tools);
}

/// <summary>A fact skipped, with the reason, when there is no test PostgreSQL server (or a tool is missing).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute(params string[] tools) => Skip = Needs.MissingPostgres() ?? Needs.MissingTools(tools);
}

/// <summary>A theory skipped, with the reason, when there is no test PostgreSQL server (or a tool is missing).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute(params string[] tools) => Skip = Needs.MissingPostgres() ?? Needs.MissingTools(tools);
}

/// <summary>
/// The <c>postgres</c> row of a store theory (beside <c>[InlineData(TestStore.Sqlite)]</c>), skipped with the reason
/// when there is no test PostgreSQL server.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PostgresEngineAttribute : Xunit.Sdk.DataAttribute
{
    public PostgresEngineAttribute() => Skip = Needs.MissingPostgres();

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [[TestStore.Postgres]];
}

/// <summary>
/// One row of a theory whose first argument is a tool (<c>[ToolRow("xz")]</c>, more arguments after it), skipped with the
/// reason when that tool is not on PATH, so that the other tools' rows still run.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
internal sealed class ToolRowAttribute : Xunit.Sdk.DataAttribute
{
    private readonly object[] _row;

    public ToolRowAttribute(string tool, params object[] more)
    {
        _row = [tool, .. more];
        Skip = Needs.MissingTools([tool]);
    }

    public override IEnumerable<object[]> GetData(System.Reflection.MethodInfo testMethod) => [_row];
}
