using System.Globalization;
using System.Text;
using System.Xml;
using Kabigate.Abi;
using Kabigate.App.Json;
using Kabigate.App.Operations;

namespace Kabigate.App.Reports;

/// <summary>The gate's report as text, JSON (schema 2), JUnit XML (one testsuite per kernel, one testcase per kmod) and Markdown.</summary>
/// <remarks>In App, not in one interface: the CLI and the service render the same reports.</remarks>
public static class GateReportRenderer
{
    /// <summary>The report as text for people.</summary>
    public static string Text(GateResult result)
    {
        var (report, policy, list) = (result.Report, result.Policy, result.Stablelist);
        var text = new StringBuilder();
        foreach (var kernel in report.Kernels)
        {
            var cases = report.Cases.Where(c => ReferenceEquals(c.Kernel, kernel)).ToList();
            text.Append(CultureInfo.InvariantCulture, $"kernel {kernel.Release}: {(cases.All(c => c.Passes) ? "PASS" : "FAIL")} ({cases.Count(c => c.Outcome == GateOutcome.Loads)} load, {cases.Count(c => c.Outcome == GateOutcome.Tolerated)} tolerated, {cases.Count(c => !c.Passes)} fail)\n");
            foreach (var c in cases)
            {
                text.Append(CultureInfo.InvariantCulture, $"  {Outcome(c),-9} {c.Kmod} ({Build(c)})\n");
                foreach (var p in c.Problems)
                    text.Append(CultureInfo.InvariantCulture, $"            {(p.Judgement.Fails ? "x" : "-")} {p.Problem.Message}{Listed(p.Problem)}; {p.Judgement.Explain()}\n");
            }
        }
        text.Append(CultureInfo.InvariantCulture, $"gate {(report.Passes ? "PASSED" : "FAILED")}: {report.Cases.Count(c => !c.Passes)} of {report.Cases.Count} (kmod, kernel) cases fail (policy: {policy.Origin}; stablelist: {list?.Source ?? "none"})\n");
        return text.ToString();
    }

    /// <summary>The report as JSON (schema 2).</summary>
    public static string Json(GateResult result) => KabigateJson.ToString(GateDocuments.Gate(result));

    /// <summary>JUnit XML as Jenkins, GitLab and GitHub test reporters read it: a failing kmod is a testcase with a &lt;failure&gt;.</summary>
    public static string JUnit(GateResult result)
    {
        var (report, policy, elapsed) = (result.Report, result.Policy, result.Elapsed);
        var builder = new StringBuilder();
        var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false), OmitXmlDeclaration = false };
        using (var xml = XmlWriter.Create(new Utf8StringWriter(builder), settings))
        {
            xml.WriteStartDocument();
            xml.WriteStartElement("testsuites");
            xml.WriteAttributeString("name", "kabigate gate");
            xml.WriteAttributeString("tests", N(report.Cases.Count));
            xml.WriteAttributeString("failures", N(report.Cases.Count(c => !c.Passes)));
            xml.WriteAttributeString("errors", "0");
            xml.WriteAttributeString("time", elapsed.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture));
            foreach (var kernel in report.Kernels)
            {
                var cases = report.Cases.Where(c => ReferenceEquals(c.Kernel, kernel)).ToList();
                xml.WriteStartElement("testsuite");
                xml.WriteAttributeString("name", $"kABI gate {kernel.Release}");
                xml.WriteAttributeString("tests", N(cases.Count));
                xml.WriteAttributeString("failures", N(cases.Count(c => !c.Passes)));
                xml.WriteAttributeString("errors", "0");
                xml.WriteAttributeString("skipped", "0");
                xml.WriteAttributeString("timestamp", DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss", CultureInfo.InvariantCulture));
                xml.WriteStartElement("properties");
                Property(xml, "kernel", kernel.Release);
                Property(xml, "kernel.source", kernel.Source);
                Property(xml, "policy", policy.Origin);
                xml.WriteEndElement();
                foreach (var c in cases)
                {
                    xml.WriteStartElement("testcase");
                    xml.WriteAttributeString("classname", $"kabigate.{kernel.Release}");
                    xml.WriteAttributeString("name", c.Kmod);
                    xml.WriteAttributeString("time", "0");
                    var details = string.Join("\n", c.Problems.Select(p => $"{(p.Judgement.Fails ? "FAIL" : "ok  ")} {p.Problem.Message}{Listed(p.Problem)}; {p.Judgement.Explain()}"));
                    if (!c.Passes)
                    {
                        var failing = c.Problems.Where(p => p.Judgement.Fails).ToList();
                        xml.WriteStartElement("failure");
                        xml.WriteAttributeString("type", failing[0].Problem.Kind.ToJsonName());
                        xml.WriteAttributeString("message", $"{c.Kmod} does not load on {kernel.Release}: {string.Join(", ", failing.Select(p => p.Problem.Symbol ?? p.Problem.Kind.ToJsonName()).Distinct().Take(10))}");
                        xml.WriteString($"build: {Build(c)}\n{details}\n");
                        xml.WriteEndElement();
                    }
                    else
                    {
                        xml.WriteElementString("system-out", c.Outcome == GateOutcome.Loads ? $"loads ({Build(c)})" : $"tolerated ({Build(c)})\n{details}");
                    }
                    xml.WriteEndElement();
                }
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
            xml.WriteEndDocument();
        }
        return builder.Append('\n').ToString();
    }

    /// <summary>The report as Markdown (a CI job's summary).</summary>
    public static string Markdown(GateResult result)
    {
        var (report, policy, list) = (result.Report, result.Policy, result.Stablelist);
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"### kABI gate: {(report.Passes ? "✅ passed" : "❌ failed")}\n\nPolicy: `{policy.Origin}`. Stablelist: {(list is null ? "none" : $"`{list.Source}`")}.\n\n");
        md.Append("| kernel | kmod | outcome | build | problems |\n|---|---|---|---|---|\n");
        foreach (var c in report.Cases)
        {
            var problems = string.Join("<br>", c.Problems.Select(p => $"{(p.Judgement.Fails ? "❌" : "➖")} {p.Problem.Message.Replace("|", "\\|", StringComparison.Ordinal)}{Listed(p.Problem)}{(p.Judgement.Waiver is { } w ? $" (waived: {w.Owner}, {w.Reason})" : "")}"));
            md.Append(CultureInfo.InvariantCulture, $"| `{c.Kernel.Release}` | `{c.Kmod}` | {Outcome(c)} | {Build(c)} | {problems} |\n");
        }
        return md.ToString();
    }

    private static string Outcome(GateCase c) => c.Outcome switch
    {
        GateOutcome.Loads => "loads",
        GateOutcome.Tolerated => "tolerated",
        _ => "FAILS",
    };

    private static string Build(GateCase c) =>
        $"{c.Build.Path}, built for {c.Build.Vermagic?.Split(' ')[0] ?? "?"}{(c.Builds > 1 ? $", best of {c.Builds} builds" : "")}";

    private static string Listed(Problem problem) => problem.Stablelisted switch
    {
        true => " [stablelisted]",
        false => " [not stablelisted]",
        _ => "",
    };

    private static void Property(XmlWriter xml, string name, string value)
    {
        xml.WriteStartElement("property");
        xml.WriteAttributeString("name", name);
        xml.WriteAttributeString("value", value);
        xml.WriteEndElement();
    }

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);

    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder, CultureInfo.InvariantCulture)
    {
        public override Encoding Encoding => new UTF8Encoding(false);
    }
}
