using Ganss.Xss;
using Markdig;
using Microsoft.AspNetCore.Components;

namespace AgentCron.Server.Ui;

/// <summary>
/// Agent output as HTML: Markdown (Markdig, with tables, task lists and autolinks) and then sanitized (HtmlSanitizer),
/// which keeps formatting and drops everything that could run script — script and style elements, event-handler
/// attributes, <c>javascript:</c> and other unsafe URLs. Agent output is untrusted; this is the only way it reaches a page
/// as markup.
/// </summary>
public static class Markdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().DisableHtml().Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static MarkupString ToSafeHtml(string markdown) => new(Sanitizer.Sanitize(Markdig.Markdown.ToHtml(markdown, Pipeline)));

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("mailto");
        sanitizer.AllowedAttributes.Remove("style");
        sanitizer.AllowedTags.Remove("form");
        // Links leave the UI without handing it a reference to this page.
        sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link)
            {
                link.SetAttribute("rel", "nofollow noopener noreferrer");
            }
        };
        return sanitizer;
    }
}
