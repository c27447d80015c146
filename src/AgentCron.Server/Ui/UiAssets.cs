namespace AgentCron.Server.Ui;

/// <summary>The UI's stylesheet and script, built into the daemon (no build step, nothing fetched at run time).</summary>
public static class UiAssets
{
    private static readonly string CssText = Read("app.css");
    private static readonly string JsText = Read("app.js");

    public static IResult Css() => Results.Text(CssText, "text/css; charset=utf-8");

    public static IResult Js() => Results.Text(JsText, "text/javascript; charset=utf-8");

    private static string Read(string name)
    {
        using var stream = typeof(UiAssets).Assembly.GetManifestResourceStream($"AgentCron.Server.Ui.Assets.{name}")
            ?? throw new InvalidOperationException($"the UI asset {name} is not built in");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
