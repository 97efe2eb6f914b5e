namespace Workbook.Charts;

/// <summary>
/// The workbook's one name → colour table: a series keeps its colour in every figure of every
/// notebook, whatever order it is added in (PPO-clip is the same orange in 19, 21 and 23; the LSTM the
/// same green in 06 and 07). A series name belongs to the first entry whose key starts it as a word
/// ("PPO-clip", "PPO (greedy, after training)" and "PPO on real steps only" are all PPO, except that the
/// longer key "PPO-clip" wins over "PPO"); a name no entry claims takes the first colour of
/// <see cref="Fallback"/> that no other series of the same figure has.
/// </summary>
public static class SeriesColours
{
    /// <summary>Reference lines (threshold, chance, floor, δ) are drawn dashed in this grey.</summary>
    public const string Reference = "#555555";

    /// <summary>Keys (case-insensitive, matched as the first word(s) of a name) and their colours, longest key first.</summary>
    public static IReadOnlyList<(string Key, string Colour)> Table { get; } = new (string, string)[]
    {
        // reinforcement learning methods
        ("PPO-clip", "#ff7f0e"), ("PPO-KL", "#bcbd22"), ("PPO", "#ff7f0e"), ("TRPO", "#2ca02c"), ("A2C", "#1f77b4"),
        ("REINFORCE", "#9467bd"), ("vanilla PG", "#8c564b"), ("DQN", "#e377c2"), ("Dyna", "#17becf"),
        ("CEM MPC", "#d62728"), ("random shooting MPC", "#7f7f7f"), ("behavioural cloning", "#1f77b4"),
        ("DAgger", "#ff7f0e"), ("expert", "#2ca02c"),
        // recurrent cells and sequence models
        ("LSTM", "#2ca02c"), ("GRU", "#ff7f0e"), ("RNN", "#1f77b4"), ("transformer", "#9467bd"), ("attention", "#d62728"),
        ("flat MLP", "#7f7f7f"),
        // training curves
        ("training", "#1f77b4"), ("train", "#1f77b4"), ("validation", "#ff7f0e"), ("valid", "#ff7f0e"), ("test", "#2ca02c"),
    }.OrderByDescending(e => e.Item1.Length).ToArray();

    /// <summary>Colours for names the table does not claim, taken in order, skipping those already used in the figure.</summary>
    public static IReadOnlyList<string> Fallback { get; } = new[]
    {
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    };

    /// <summary>The colour the table gives <paramref name="name"/>, or null when no entry claims it.</summary>
    public static string? Fixed(string name)
    {
        foreach (var (key, colour) in Table)
        {
            if (name.StartsWith(key, StringComparison.OrdinalIgnoreCase) &&
                (name.Length == key.Length || !char.IsLetterOrDigit(name[key.Length])))
            {
                return colour;
            }
        }
        return null;
    }

    /// <summary>
    /// Colours for the series names of one figure, in order: the table's colour where it has one (unless an
    /// earlier name of the figure already took that colour under a different key), else the first unused
    /// fallback colour. The same name always gets the same colour within the figure.
    /// </summary>
    public static IReadOnlyList<string> For(IReadOnlyList<string> names)
    {
        var byName = new Dictionary<string, string>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        // Names the table claims go first, so a fallback never takes a colour a later named series needs.
        foreach (var name in names.Distinct())
        {
            if (Fixed(name) is { } colour && used.Add(colour))
            {
                byName[name] = colour;
            }
        }
        foreach (var name in names.Distinct())
        {
            if (!byName.ContainsKey(name))
            {
                var colour = Fallback.FirstOrDefault(c => !used.Contains(c)) ?? Fallback[used.Count % Fallback.Count];
                used.Add(colour);
                byName[name] = colour;
            }
        }
        return names.Select(n => byName[n]).ToArray();
    }
}
