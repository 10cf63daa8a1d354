using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace Kabigate.Server.Dashboard;

/// <summary>
/// Server-rendered pages: plain HTML and a little CSS, no JavaScript and no front-end build. Every value is encoded;
/// nothing from a kernel, a kmod or a URL reaches the page unescaped.
/// </summary>
internal sealed class Html
{
    private readonly StringBuilder _body = new();

    public static string E(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public static string U(string text) => UrlEncoder.Default.Encode(text);

    public static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    public Html Raw(string html)
    {
        _body.Append(html);
        return this;
    }

    public Html H(int level, string text) => Raw($"<h{level}>{E(text)}</h{level}>\n");

    public Html P(string text, string? cls = null) => Raw(cls is null ? $"<p>{E(text)}</p>\n" : $"<p class=\"{cls}\">{E(text)}</p>\n");

    public Html Table(IEnumerable<string> headers, IEnumerable<IEnumerable<string>> rowsOfHtml, string? id = null)
    {
        _body.Append(id is null ? "<table>" : $"<table id=\"{id}\">").Append("<thead><tr>");
        foreach (var h in headers)
            _body.Append("<th>").Append(E(h)).Append("</th>");
        _body.Append("</tr></thead><tbody>\n");
        foreach (var row in rowsOfHtml)
        {
            _body.Append("<tr>");
            foreach (var cell in row)
                _body.Append("<td>").Append(cell).Append("</td>");
            _body.Append("</tr>\n");
        }
        _body.Append("</tbody></table>\n");
        return this;
    }

    public static string Link(string href, string text) => $"<a href=\"{E(href)}\">{E(text)}</a>";

    public static string Badge(string word) => $"<span class=\"badge {E(word)}\">{E(word)}</span>";

    public IResult Page(string title, int status = StatusCodes.Status200OK) =>
        Results.Content($$"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>{{E(title)}} · kabigate</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:0 2em 2em}nav{padding:.8em 0;border-bottom:1px solid #ccc;margin-bottom:1em}
            nav a{margin-right:1.2em}table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{border:1px solid #ddd;padding:.2em .5em;text-align:left;vertical-align:top}
            th{background:#f4f4f4}.badge{padding:0 .4em;border-radius:3px;font-size:90%}.new-break,.fails{background:#fdd}.fixed,.loads{background:#dfd}
            .still-broken{background:#fec}.tolerated{background:#ffc}.still-loads,.first{background:#eee}.words{font-family:monospace;font-size:90%}
            .error{color:#a00}form input{margin-right:.5em}
            </style></head><body>
            <nav><a href="/">Transitions</a><a href="/matrix">Matrix</a><a href="/kernels">Kernels</a><a href="/kmods">Kmods</a><a href="/runs">Gate runs</a><a href="/sources">Sources</a><a href="/greylist">Greylist</a><a href="/api/v1/openapi.json">API</a></nav>
            <h1>{{E(title)}}</h1>
            {{_body}}
            </body></html>
            """, "text/html; charset=utf-8", Encoding.UTF8, status);
}
