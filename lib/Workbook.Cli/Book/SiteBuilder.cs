using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Markdig;
using Markdig.Extensions.Mathematics;
using Markdig.Renderers;
using Markdig.Renderers.Html;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;
using Workbook.Engine.Documents;

namespace Workbook.Cli.Book;

/// <summary>What a book build wrote: pages, bytes, seconds.</summary>
public sealed record BookSummary(string Folder, int Pages, int Charts, int Formulas, long Bytes, double Seconds);

/// <summary>
/// Builds the workbook as a static, offline site from executed notebooks: an index by part (headline metrics and time),
/// one page per notebook (Markdown through Markdig, math typeset by KaTeX at build time, C# highlighted at build time,
/// every output: streams and errors escaped, HTML outputs, charts drawn by one local plotly.js with the static SVG left in
/// place where scripts are off), previous/next links and a contents sidebar, and downloads (each notebook, its student
/// edition, the whole student edition as a zip). Nothing on a page loads from outside the site.
/// </summary>
public static partial class SiteBuilder
{
    /// <summary>The parts of the course, by notebook number prefix.</summary>
    public static readonly (string Title, Func<int, bool> Holds)[] Parts =
    {
        ("Part I · Foundations", n => n <= 3),
        ("Part II · Convolutional networks", n => n == 4),
        ("Part III · Sequence models", n => n is >= 5 and <= 9),
        ("Part IV · Attention and transformers", n => n is >= 10 and <= 15),
        ("Part V · Reinforcement learning", n => n >= 16),
    };

    private const string PlotlyFile = "assets/plotly-" + Workbook.Charts.ChartHtml.PlotlyVersion + ".min.js";
    private const string PlotlyStart = "if (!window.Plotly) { (function (define, module, exports) {\n";
    private const string PlotlyEnd = "\n}).call(window); }\n";

    private sealed record Page(string Name, string Source, string Executed, JsonObject Notebook, string Title, string Part, int PartOrder)
    {
        public string Html => Name + ".html";
    }

    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseMathematics()
        .UsePipeTables()
        .UseEmphasisExtras()
        .UseAutoIdentifiers(Markdig.Extensions.AutoIdentifiers.AutoIdentifierOptions.GitHub)
        .UseAutoLinks()
        .UseTaskLists()
        .UseFootnotes()
        .Build();

    /// <summary>
    /// Builds the site into <paramref name="siteFolder"/> (emptied first) from the executed copies <paramref name="executed"/>
    /// (file paths); <paramref name="sourceFolder"/> holds the notebooks without outputs, for the downloads and the student edition.
    /// </summary>
    public static BookSummary Build(IReadOnlyList<string> executed, string sourceFolder, string siteFolder, string toolsFolder, string studentRoot, TextWriter log)
    {
        var clock = Stopwatch.StartNew();
        var math = MathRenderer.Prepare(toolsFolder, log);
        if (Directory.Exists(siteFolder))
        {
            Directory.Delete(siteFolder, recursive: true);
        }
        Directory.CreateDirectory(Path.Combine(siteFolder, "assets"));
        Directory.CreateDirectory(Path.Combine(siteFolder, "downloads", "student"));
        Directory.CreateDirectory(Path.Combine(siteFolder, "downloads", "notebooks"));

        var pages = executed.Select(path => Load(path, sourceFolder)).OrderBy(p => p.PartOrder).ThenBy(p => p.Name, StringComparer.Ordinal).ToList();

        // Parse every Markdown cell once, gather its math, typeset all of it in one node process.
        var markdown = new Dictionary<(string Page, int Cell), MarkdownDocument>();
        var formulas = new List<(string Tex, bool Display, string Where)>();
        foreach (var page in pages)
        {
            var cells = page.Notebook["cells"]!.AsArray();
            for (var i = 0; i < cells.Count; i++)
            {
                if (cells[i]!["cell_type"]?.GetValue<string>() != "markdown")
                {
                    continue;
                }
                var document = Markdown.Parse(DisplayMathAsBlocks(NotebookDocument.ReadMultiline(cells[i]!["source"], "source")), Pipeline);
                markdown[(page.Name, i)] = document;
                foreach (var inline in document.Descendants<MathInline>())
                {
                    formulas.Add((inline.Content.ToString(), inline.DelimiterCount >= 2, $"{page.Name}.ipynb cell {i}"));
                }
                foreach (var block in document.Descendants<MathBlock>())
                {
                    formulas.Add((block.Lines.ToString(), true, $"{page.Name}.ipynb cell {i}"));
                }
            }
        }
        var typeset = math.Render(formulas);

        // Assets, once for the whole site: plotly.js (the copy Plotly.NET embeds), KaTeX's CSS and fonts, the book's CSS.
        File.WriteAllText(Path.Combine(siteFolder, PlotlyFile), Workbook.Charts.ChartHtml.PlotlyJs);
        var katexDist = Path.Combine(math.KatexFolder, "dist");
        Directory.CreateDirectory(Path.Combine(siteFolder, "assets", "katex", "fonts"));
        File.Copy(Path.Combine(katexDist, "katex.min.css"), Path.Combine(siteFolder, "assets", "katex", "katex.min.css"));
        foreach (var font in Directory.EnumerateFiles(Path.Combine(katexDist, "fonts"), "*.woff2"))
        {
            // Browsers take the first source of @font-face they support: every current one reads woff2, so .woff/.ttf are left out.
            File.Copy(font, Path.Combine(siteFolder, "assets", "katex", "fonts", Path.GetFileName(font)));
        }
        File.WriteAllText(Path.Combine(siteFolder, "assets", "book.css"), MathRenderer.Resource("book.css"));

        // Downloads: each notebook as committed (no outputs), its student edition, and the whole student edition as a zip.
        var studentZip = Path.Combine(siteFolder, "downloads", "student-edition.zip");
        using (var zip = ZipFile.Open(studentZip, ZipArchiveMode.Create))
        {
            foreach (var page in pages)
            {
                File.Copy(page.Source, Path.Combine(siteFolder, "downloads", "notebooks", page.Name + ".ipynb"));
                var (edition, _) = StudentEdition.Create(NotebookDocument.Load(page.Source), studentRoot);
                var text = NotebookDocument.Serialize(edition);
                File.WriteAllText(Path.Combine(siteFolder, "downloads", "student", page.Name + ".ipynb"), text);
                using var entry = new StreamWriter(zip.CreateEntry($"student/{page.Name}.ipynb", CompressionLevel.Optimal).Open());
                entry.Write(text);
            }
        }

        var charts = 0;
        for (var n = 0; n < pages.Count; n++)
        {
            var html = RenderPage(pages, n, markdown, typeset, ref charts);
            File.WriteAllText(Path.Combine(siteFolder, pages[n].Html), html);
        }
        File.WriteAllText(Path.Combine(siteFolder, "index.html"), RenderIndex(pages));
        var bytes = Directory.EnumerateFiles(siteFolder, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        return new BookSummary(siteFolder, pages.Count + 1, charts, formulas.Count, bytes, clock.Elapsed.TotalSeconds);
    }

    private static Page Load(string executedPath, string sourceFolder)
    {
        var name = Path.GetFileNameWithoutExtension(executedPath);
        var notebook = NotebookDocument.Load(executedPath).Json;
        var source = Path.Combine(sourceFolder, name + ".ipynb");
        if (!File.Exists(source))
        {
            throw new BookException($"{executedPath}: no notebook of that name in {sourceFolder} (the downloads and the student edition come from there)");
        }
        var title = "";
        foreach (var cell in notebook["cells"]!.AsArray())
        {
            if (cell!["cell_type"]?.GetValue<string>() == "markdown")
            {
                var first = NotebookDocument.ReadMultiline(cell["source"], "source").Split('\n').FirstOrDefault(l => l.StartsWith("# ", StringComparison.Ordinal));
                if (first is not null)
                {
                    title = first[2..].Trim();
                    break;
                }
            }
        }
        var number = NumberPrefix().Match(name) is { Success: true } m ? int.Parse(m.Value, CultureInfo.InvariantCulture) : -1;
        var part = Array.FindIndex(Parts, p => number >= 0 && p.Holds(number));
        return new Page(name, source, executedPath, notebook, title.Length > 0 ? title : name, part >= 0 ? Parts[part].Title : "Other notebooks", part >= 0 ? part : Parts.Length);
    }

    private static string RenderIndex(List<Page> pages)
    {
        var body = new StringBuilder();
        body.Append("<h1>Deep learning in C#: the workbook</h1>\n");
        body.Append("<p>Every notebook of the course as the workbook's engine executed it: the text, the code, every output and chart. ");
        body.Append("Each notebook reports its headline numbers as metrics and declares the bounds it claims; the table shows them as measured in this run. ");
        body.Append("The pages work offline, and with scripts off (charts then show as static pictures).</p>\n");
        body.Append("<p class=\"downloads\">Download: <a href=\"downloads/student-edition.zip\">the student edition</a> (every notebook with its exercises to write, no outputs)</p>\n");
        foreach (var part in pages.GroupBy(p => p.Part))
        {
            body.Append($"<h2>{Encode(part.Key)}</h2>\n<table class=\"index\"><thead><tr><th>notebook</th><th>status</th><th>time</th><th>headline metrics (measured, bound)</th></tr></thead><tbody>\n");
            foreach (var page in part)
            {
                var run = page.Notebook["metadata"]?["workbook"]?["run"];
                var status = run?["status"]?.GetValue<string>() ?? "not run";
                var seconds = run?["seconds"] is JsonValue s && s.TryGetValue<double>(out var sec) ? sec.ToString("F1", CultureInfo.InvariantCulture) + " s" : "";
                var claims = (run?["claims"] as JsonArray ?? new JsonArray())
                    .Where(c => c?["name"]?.GetValue<string>() is { } n && n != "budget_seconds" && !n.StartsWith("exercise", StringComparison.Ordinal))
                    .Take(3)
                    .Select(c => $"<code>{Encode(c!["name"]!.GetValue<string>())}</code> = {Number(c["value"])} <span class=\"bound\">({Encode(c["bound"]?.GetValue<string>() ?? "")})</span>");
                body.Append($"<tr><td><a href=\"{page.Html}\">{Encode(page.Title)}</a></td><td class=\"status {Encode(status)}\">{Encode(status)}</td>"
                    + $"<td class=\"num\">{seconds}</td><td>{string.Join("<br>", claims)}</td></tr>\n");
            }
            body.Append("</tbody></table>\n");
        }
        return Layout("Deep learning in C#: the workbook", pages, null, body.ToString(), plotly: false);
    }

    private static string RenderPage(List<Page> pages, int index, Dictionary<(string, int), MarkdownDocument> markdown,
        Dictionary<(string, bool), string> typeset, ref int charts)
    {
        var page = pages[index];
        var body = new StringBuilder();
        var run = page.Notebook["metadata"]?["workbook"]?["run"];
        var status = run?["status"]?.GetValue<string>() ?? "not run";
        var seconds = run?["seconds"] is JsonValue sv && sv.TryGetValue<double>(out var sec) ? $" in {sec.ToString("F1", CultureInfo.InvariantCulture)} s" : "";
        var finished = run?["finished_utc"]?.GetValue<string>() is { } f ? $" on {Encode(f)}" : "";
        var engine = run?["engine"]?.GetValue<string>() ?? "an unnamed host";
        body.Append($"<p class=\"run\">Executed by {Encode(engine)}{finished}{seconds}: <span class=\"status {Encode(status)}\">{Encode(status)}</span>. ");
        body.Append($"Download: <a href=\"downloads/notebooks/{page.Name}.ipynb\">this notebook</a> · ");
        body.Append($"<a href=\"downloads/student/{page.Name}.ipynb\">its student edition</a> · ");
        body.Append("<a href=\"downloads/student-edition.zip\">the whole student edition (zip)</a></p>\n");

        var cells = page.Notebook["cells"]!.AsArray();
        var hasChart = false;
        for (var i = 0; i < cells.Count; i++)
        {
            var cell = cells[i]!.AsObject();
            var kind = cell["cell_type"]?.GetValue<string>();
            if (kind == "markdown")
            {
                body.Append("<section class=\"cell markdown\">\n").Append(RenderMarkdown(markdown[(page.Name, i)], typeset)).Append("</section>\n");
                continue;
            }
            if (kind != "code")
            {
                continue;
            }
            var source = NotebookDocument.ReadMultiline(cell["source"], "source");
            var count = cell["execution_count"] is JsonValue c && c.TryGetValue<int>(out var cn) ? cn.ToString(CultureInfo.InvariantCulture) : " ";
            body.Append($"<section class=\"cell code\" id=\"cell-{i}\"><div class=\"prompt\">[{count}]</div>");
            body.Append("<pre class=\"source\"><code class=\"language-csharp\">").Append(CSharpHighlighter.Highlight(source)).Append("</code></pre>\n");
            var outputs = cell["outputs"] as JsonArray ?? new JsonArray();
            if (outputs.Count > 0)
            {
                body.Append("<div class=\"outputs\">\n");
                foreach (var output in outputs)
                {
                    body.Append(RenderOutput(output!.AsObject(), ref charts, ref hasChart));
                }
                body.Append("</div>\n");
            }
            body.Append("</section>\n");
        }

        body.Append("<nav class=\"pager\">");
        body.Append(index > 0 ? $"<a class=\"prev\" rel=\"prev\" href=\"{pages[index - 1].Html}\">← {Encode(pages[index - 1].Title)}</a>" : "<a class=\"prev\" href=\"index.html\">← Contents</a>");
        body.Append(index + 1 < pages.Count ? $"<a class=\"next\" rel=\"next\" href=\"{pages[index + 1].Html}\">{Encode(pages[index + 1].Title)} →</a>" : "<a class=\"next\" href=\"index.html\">Contents →</a>");
        body.Append("</nav>\n");
        return Layout(page.Title, pages, page, body.ToString(), hasChart);
    }

    private static string RenderOutput(JsonObject output, ref int charts, ref bool hasChart)
    {
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                var name = output["name"]?.GetValue<string>() == "stderr" ? "stderr" : "stdout";
                return $"<pre class=\"output stream {name}\">{Encode(NotebookDocument.ReadMultiline(output["text"], "text"))}</pre>\n";
            case "error":
                var traceback = (output["traceback"] as JsonArray ?? new JsonArray()).Select(t => t?.GetValue<string>() ?? "");
                var text = $"{output["ename"]?.GetValue<string>()}: {output["evalue"]?.GetValue<string>()}\n{string.Join("\n", traceback)}";
                return $"<pre class=\"output error\">{Encode(Ansi().Replace(text, ""))}</pre>\n";
            case "execute_result" or "display_data":
                var data = output["data"] as JsonObject ?? new JsonObject();
                if (data["text/html"] is { } htmlNode)
                {
                    var html = NotebookDocument.ReadMultiline(htmlNode, "text/html");
                    if (html.Contains("class=\"workbook-chart\"", StringComparison.Ordinal))
                    {
                        hasChart = true;
                        charts += Regex.Matches(html, "class=\"workbook-chart\"").Count;
                        html = WithoutInlinedPlotly(html);
                    }
                    return $"<div class=\"output html\">{html}</div>\n";
                }
                if (data["image/svg+xml"] is { } svg)
                {
                    return $"<div class=\"output svg\">{NotebookDocument.ReadMultiline(svg, "image/svg+xml")}</div>\n";
                }
                if (data["image/png"] is { } png)
                {
                    return $"<div class=\"output image\"><img alt=\"output\" src=\"data:image/png;base64,{Encode(NotebookDocument.ReadMultiline(png, "image/png").Replace("\n", ""))}\"></div>\n";
                }
                if (data["text/markdown"] is { } md)
                {
                    return $"<div class=\"output markdown\">{Markdown.ToHtml(DisplayMathAsBlocks(NotebookDocument.ReadMultiline(md, "text/markdown")), Pipeline)}</div>\n";
                }
                if (data["text/plain"] is { } plain)
                {
                    return $"<pre class=\"output text\">{Encode(NotebookDocument.ReadMultiline(plain, "text/plain"))}</pre>\n";
                }
                return "";
            default:
                return "";
        }
    }

    /// <summary>
    /// Display math that starts a line (<c>$$</c> at the line's start, closed by <c>$$</c> at a line's end, on the same
    /// line or later) becomes a fenced math block with blank lines around it. Jupyter and VS Code typeset such a span as
    /// display math even inside a paragraph, but Markdig reads a <c>$$</c> block only as its own paragraph, and a span
    /// over several lines inside a paragraph not at all (it stayed raw TeX in the page). Code fences are left alone.
    /// </summary>
    public static string DisplayMathAsBlocks(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n").Split('\n');
        var output = new List<string>();
        var fence = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = !fence;
            }
            if (fence || !trimmed.StartsWith("$$", StringComparison.Ordinal))
            {
                output.Add(line);
                continue;
            }
            // Find the closing $$: on this line after the opening one, or at the end of a later line.
            var end = -1;
            if (trimmed.Length >= 4 && trimmed.EndsWith("$$", StringComparison.Ordinal))
            {
                end = i;
            }
            else
            {
                for (var j = i + 1; j < lines.Length && end < 0; j++)
                {
                    if (lines[j].Trim().Length == 0)
                    {
                        break;   // a blank line ends the paragraph: not display math, leave it to Markdig
                    }
                    if (lines[j].TrimEnd().EndsWith("$$", StringComparison.Ordinal))
                    {
                        end = j;
                    }
                }
            }
            if (end < 0)
            {
                output.Add(line);
                continue;
            }
            var indent = line[..(line.Length - line.TrimStart().Length)];
            var body = string.Join("\n", lines[i..(end + 1)]).Trim();
            var content = body[2..^2].Trim();
            if (content.Length == 0 || content.Contains("$$", StringComparison.Ordinal))
            {
                output.Add(line);   // "$$ $$" or two spans on one line: not one display formula
                continue;
            }
            if (output.Count > 0 && output[^1].Trim().Length > 0)
            {
                output.Add("");
            }
            output.Add(indent + "$$");
            output.AddRange(content.Split('\n').Select(l => indent + l.Trim()));
            output.Add(indent + "$$");
            if (end + 1 < lines.Length && lines[end + 1].Trim().Length > 0)
            {
                output.Add("");
            }
            i = end;
        }
        return string.Join("\n", JoinInlineMathAcrossLines(output));
    }

    // Inline math ($...$) that a line break splits: Markdig reads an inline span on one line only, so a line with an odd
    // number of single $ is joined to the next with a space (a soft line break is a space in Markdown anyway).
    private static List<string> JoinInlineMathAcrossLines(List<string> lines)
    {
        var joined = new List<string>();
        var fence = false;
        for (var i = 0; i < lines.Count; i++)
        {
            var line = lines[i];
            var trimmed = line.Trim();
            if (trimmed.StartsWith("```", StringComparison.Ordinal) || trimmed.StartsWith("~~~", StringComparison.Ordinal))
            {
                fence = !fence;
            }
            while (!fence && SingleDollars(line) % 2 == 1 && i + 1 < lines.Count && lines[i + 1].Trim().Length > 0
                   && !lines[i + 1].Trim().StartsWith("$$", StringComparison.Ordinal) && !lines[i + 1].Trim().StartsWith("```", StringComparison.Ordinal))
            {
                line = line.TrimEnd() + " " + lines[++i].TrimStart();
            }
            joined.Add(line);
        }
        return joined;
    }

    private static int SingleDollars(string line)
    {
        var count = 0;
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] != '$' || (i > 0 && line[i - 1] == '\\'))
            {
                continue;
            }
            if (i + 1 < line.Length && line[i + 1] == '$')
            {
                i++;   // $$: display math, not an inline delimiter
                continue;
            }
            count++;
        }
        return count;
    }

    /// <summary>A chart's HTML without the plotly.js its first chart inlines: the page loads the site's one copy instead.</summary>
    public static string WithoutInlinedPlotly(string html)
    {
        var start = html.IndexOf(PlotlyStart, StringComparison.Ordinal);
        if (start < 0)
        {
            return html;
        }
        var end = html.IndexOf(PlotlyEnd, start, StringComparison.Ordinal);
        return end < 0 ? html : html[..start] + html[(end + PlotlyEnd.Length)..];
    }

    private static string RenderMarkdown(MarkdownDocument document, Dictionary<(string, bool), string> typeset)
    {
        var writer = new StringWriter();
        var renderer = new HtmlRenderer(writer);
        Pipeline.Setup(renderer);
        renderer.ObjectRenderers.RemoveAll(r => r is HtmlMathInlineRenderer or HtmlMathBlockRenderer);
        renderer.ObjectRenderers.Insert(0, new TypesetInline(typeset));
        renderer.ObjectRenderers.Insert(0, new TypesetBlock(typeset));
        renderer.Render(document);
        writer.Flush();
        return writer.ToString();
    }

    private sealed class TypesetInline(Dictionary<(string, bool), string> typeset) : HtmlObjectRenderer<MathInline>
    {
        protected override void Write(HtmlRenderer renderer, MathInline obj) =>
            renderer.Write(typeset[(obj.Content.ToString(), obj.DelimiterCount >= 2)]);
    }

    private sealed class TypesetBlock(Dictionary<(string, bool), string> typeset) : HtmlObjectRenderer<MathBlock>
    {
        protected override void Write(HtmlRenderer renderer, MathBlock obj) =>
            renderer.Write("<div class=\"math-display\">").Write(typeset[(obj.Lines.ToString(), true)]).WriteLine("</div>");
    }

    private static string Layout(string title, List<Page> pages, Page? current, string body, bool plotly)
    {
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        html.Append($"<title>{Encode(title)}</title>\n");
        html.Append("<link rel=\"stylesheet\" href=\"assets/katex/katex.min.css\">\n<link rel=\"stylesheet\" href=\"assets/book.css\">\n");
        if (plotly)
        {
            // One local copy for the whole site (the browser caches it across pages); loaded before the charts' scripts run.
            html.Append($"<script src=\"{PlotlyFile}\"></script>\n");
        }
        html.Append("</head>\n<body>\n<nav class=\"sidebar\" aria-label=\"Contents\">\n<p class=\"home\"><a href=\"index.html\">The workbook</a></p>\n");
        foreach (var part in pages.GroupBy(p => p.Part))
        {
            html.Append($"<p class=\"part\">{Encode(part.Key)}</p>\n<ul>\n");
            foreach (var page in part)
            {
                var here = page == current ? " class=\"current\" aria-current=\"page\"" : "";
                html.Append($"<li><a{here} href=\"{page.Html}\">{Encode(page.Title)}</a></li>\n");
            }
            html.Append("</ul>\n");
        }
        html.Append("</nav>\n<main>\n").Append(body).Append("</main>\n</body>\n</html>\n");
        return html.ToString();
    }

    private static string Number(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<double>(out var d) ? Encode(d.ToString("G4", CultureInfo.InvariantCulture)) : Encode(node?.ToJsonString() ?? "");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex("^[0-9]+")]
    private static partial Regex NumberPrefix();

    [GeneratedRegex("\u001b\\[[0-9;]*[A-Za-z]")]
    private static partial Regex Ansi();
}
