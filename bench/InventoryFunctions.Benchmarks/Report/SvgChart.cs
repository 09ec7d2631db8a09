using System.Globalization;
using System.Security;
using System.Text;

namespace InventoryFunctions.Benchmarks.Report;

/// <summary>One line (or set of markers) on a chart.</summary>
/// <param name="LabelsBelow">Value labels under the points instead of above (to keep two labelled series apart).</param>
public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points, bool Dashed = false, bool Line = true, bool Labels = false, bool LabelsBelow = false);

/// <summary>
/// A small, dependency-free line chart as SVG: axes with ticks and grid, linear or log scales, value labels, a legend
/// to the right of the plot.
/// </summary>
public sealed class SvgChart
{
    private const int Width = 900;
    private const int Height = 440;
    private const int Left = 78;
    private const int Right = 600;
    private const int Top = 52;
    private const int Bottom = 372;

    public required string Title { get; init; }
    public string? Subtitle { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public bool XLog { get; init; }
    public bool YLog { get; init; }
    public required IReadOnlyList<double> XTicks { get; init; }
    public Func<double, string> XFormat { get; init; } = x => x.ToString("N0", CultureInfo.InvariantCulture);
    public Func<double, string> YFormat { get; init; } = Milliseconds;
    public List<Series> Series { get; } = [];

    public static string Milliseconds(double ms) => ms switch
    {
        < 1 => ms.ToString("0.00", CultureInfo.InvariantCulture),
        < 10 => ms.ToString("0.0#", CultureInfo.InvariantCulture),
        < 100 => ms.ToString("0.#", CultureInfo.InvariantCulture),
        _ => ms.ToString("N0", CultureInfo.InvariantCulture),
    };

    public string Render()
    {
        var points = Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y) && (!YLog || p.Y > 0)).ToList();
        var (xMin, xMax) = Range(XTicks.Concat(points.Select(p => p.X)), XLog);
        var (yMin, yMax, yTicks) = YLog ? LogRange(points.Select(p => p.Y)) : LinearRange(points.Select(p => p.Y));
        double X(double x) => Left + ((Scale(x, XLog) - xMin) / (xMax - xMin) * (Right - Left));
        double Y(double y) => Bottom - ((Scale(y, YLog) - Scale(yMin, YLog)) / (Scale(yMax, YLog) - Scale(yMin, YLog)) * (Bottom - Top));

        var svg = new StringBuilder();
        svg.Append(I($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" font-size=\"12\">\n"));
        svg.Append(I($"<rect width=\"{Width}\" height=\"{Height}\" fill=\"white\"/>\n"));
        svg.Append(I($"<text x=\"{Left}\" y=\"22\" font-size=\"16\" font-weight=\"600\">{Escape(Title)}</text>\n"));
        if (Subtitle is not null)
            svg.Append(I($"<text x=\"{Left}\" y=\"40\" fill=\"#555\">{Escape(Subtitle)}</text>\n"));

        // Grid and ticks.
        foreach (var tick in yTicks)
        {
            var y = Y(tick);
            svg.Append(I($"<line x1=\"{Left}\" y1=\"{y:0.#}\" x2=\"{Right}\" y2=\"{y:0.#}\" stroke=\"#e3e3e3\"/>\n"));
            svg.Append(I($"<text x=\"{Left - 8}\" y=\"{y + 4:0.#}\" text-anchor=\"end\" fill=\"#333\">{Escape(Tick(tick))}</text>\n"));
        }
        foreach (var tick in XTicks)
        {
            var x = X(tick);
            svg.Append(I($"<line x1=\"{x:0.#}\" y1=\"{Top}\" x2=\"{x:0.#}\" y2=\"{Bottom}\" stroke=\"#efefef\"/>\n"));
            svg.Append(I($"<line x1=\"{x:0.#}\" y1=\"{Bottom}\" x2=\"{x:0.#}\" y2=\"{Bottom + 5}\" stroke=\"#333\"/>\n"));
            svg.Append(I($"<text x=\"{x:0.#}\" y=\"{Bottom + 20}\" text-anchor=\"middle\" fill=\"#333\">{Escape(XFormat(tick))}</text>\n"));
        }
        svg.Append(I($"<line x1=\"{Left}\" y1=\"{Bottom}\" x2=\"{Right}\" y2=\"{Bottom}\" stroke=\"#333\"/>\n"));
        svg.Append(I($"<line x1=\"{Left}\" y1=\"{Top}\" x2=\"{Left}\" y2=\"{Bottom}\" stroke=\"#333\"/>\n"));
        svg.Append(I($"<text x=\"{(Left + Right) / 2}\" y=\"{Bottom + 44}\" text-anchor=\"middle\" fill=\"#111\">{Escape(XLabel)}</text>\n"));
        svg.Append(I($"<text transform=\"translate(18 {(Top + Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\" fill=\"#111\">{Escape(YLabel)}</text>\n"));

        // Series.
        foreach (var series in Series)
        {
            var visible = series.Points.Where(p => double.IsFinite(p.Y) && (!YLog || p.Y > 0)).OrderBy(p => p.X).ToList();
            if (visible.Count == 0)
                continue;
            if (series.Line && visible.Count > 1)
            {
                var path = string.Join(" ", visible.Select(p => I($"{X(p.X):0.#},{Y(p.Y):0.#}")));
                svg.Append(I($"<polyline points=\"{path}\" fill=\"none\" stroke=\"{series.Color}\" stroke-width=\"2.2\"{(series.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n"));
            }
            foreach (var p in visible)
            {
                svg.Append(I($"<circle cx=\"{X(p.X):0.#}\" cy=\"{Y(p.Y):0.#}\" r=\"{(series.Line ? 3.5 : 5)}\" fill=\"{(series.Line ? series.Color : "white")}\" stroke=\"{series.Color}\" stroke-width=\"2\"/>\n"));
                if (series.Labels)
                {
                    // Below the point when asked and there is room above the x axis, else above it.
                    var labelY = series.LabelsBelow && Y(p.Y) + 16 < Bottom - 4 ? Y(p.Y) + 16 : Y(p.Y) - 7;
                    svg.Append(I($"<text x=\"{X(p.X) + 7:0.#}\" y=\"{labelY:0.#}\" fill=\"{series.Color}\" font-size=\"11\">{Escape(YFormat(p.Y))}</text>\n"));
                }
            }
        }

        // Legend, right of the plot.
        var legendY = Top + 6;
        foreach (var series in Series)
        {
            var lx = Right + 24;
            if (series.Line)
                svg.Append(I($"<line x1=\"{lx}\" y1=\"{legendY}\" x2=\"{lx + 26}\" y2=\"{legendY}\" stroke=\"{series.Color}\" stroke-width=\"2.2\"{(series.Dashed ? " stroke-dasharray=\"6 4\"" : "")}/>\n"));
            svg.Append(I($"<circle cx=\"{lx + 13}\" cy=\"{legendY}\" r=\"{(series.Line ? 3.5 : 5)}\" fill=\"{(series.Line ? series.Color : "white")}\" stroke=\"{series.Color}\" stroke-width=\"2\"/>\n"));
            foreach (var (line, i) in Wrap(series.Name, 30).Select((l, i) => (l, i)))
                svg.Append(I($"<text x=\"{lx + 34}\" y=\"{legendY + 4 + (i * 15)}\" fill=\"#111\">{Escape(line)}</text>\n"));
            legendY += 12 + (15 * Wrap(series.Name, 30).Count);
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Tick(double value) => value.ToString(value == Math.Round(value) ? "N0" : "0.##", CultureInfo.InvariantCulture);

    private static double Scale(double value, bool log) => log ? Math.Log10(value) : value;

    private static (double Min, double Max) Range(IEnumerable<double> values, bool log)
    {
        var scaled = values.Where(double.IsFinite).Select(v => Scale(v, log)).ToList();
        var (min, max) = (scaled.Min(), scaled.Max());
        var pad = max > min ? (max - min) * 0.08 : 1;
        return (min - pad, max + pad);
    }

    private static (double Min, double Max, IReadOnlyList<double> Ticks) LogRange(IEnumerable<double> values)
    {
        var list = values.DefaultIfEmpty(1).ToList();
        // Some room under the lowest point, so that it and its label stay off the x axis.
        var low = Math.Floor(Math.Log10(list.Min() / 1.5));
        var high = Math.Ceiling(Math.Log10(list.Max()));
        if (high <= low)
            high = low + 1;
        var ticks = new List<double>();
        var steps = high - low <= 3 ? new[] { 1.0, 2, 5 } : [1.0];
        for (var decade = low; decade <= high; decade++)
        {
            foreach (var step in steps)
            {
                var tick = step * Math.Pow(10, decade);
                if (tick <= Math.Pow(10, high) * 1.0001)
                    ticks.Add(tick);
            }
        }
        return (Math.Pow(10, low), Math.Pow(10, high), ticks);
    }

    private static (double Min, double Max, IReadOnlyList<double> Ticks) LinearRange(IEnumerable<double> values)
    {
        var max = values.DefaultIfEmpty(1).Max();
        if (max <= 0)
            max = 1;
        var rough = max / 5;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var step = new[] { 1.0, 2, 2.5, 5, 10 }.Select(m => m * magnitude).First(s => s >= rough);
        var top = Math.Ceiling(max * 1.05 / step) * step;
        var ticks = new List<double>();
        for (var t = 0.0; t <= top + (step / 2); t += step)
            ticks.Add(t);
        return (0, top, ticks);
    }

    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (var word in text.Split(' '))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : "").Append(word);
        }
        if (line.Length > 0)
            lines.Add(line.ToString());
        return lines;
    }

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";

    private static string I(FormattableString text) => FormattableString.Invariant(text);
}
