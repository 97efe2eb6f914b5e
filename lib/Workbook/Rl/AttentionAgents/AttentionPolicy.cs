using TorchSharp;
using TorchSharp.Modules;
using Workbook.Attention;
using Workbook.Rl.Environments;
using Workbook.Tensors;
using static TorchSharp.torch;

namespace Workbook.Rl.AttentionAgents;

/// <summary>
/// The core step of multi-head entity attention, between the projections and W^O: projected queries [B, 1, E], keys
/// and values [B, K, E], keep [B, 1, K] (true = a real entity) and the number of heads H (E = H·d) → the heads'
/// contexts concatenated, [B, 1, E]: split E into H heads of d, softmax(q·k/√d) v per head with padding masked out,
/// merge the heads back. The library's is internal (<see cref="EntityAttentionExercises"/>); a student's can replace
/// it (<see cref="EntityAttentionExercises.PlugEntityAttention"/>).
/// </summary>
public delegate Tensor EntityAttentionStep(Tensor queries, Tensor keys, Tensor values, Tensor keep, int heads);

/// <summary>
/// Reads an observation that is a set of entities (<see cref="EntitySetLayout"/>) into one fixed-width summary
/// (Notes B, Attention in RL): every entity is embedded on its own by the same small network, a query made from the
/// agent's own features attends over the embedded entities with <see cref="MultiHeadAttention"/> (padding masked out),
/// and the attended context is concatenated with the agent's embedding:
/// <code>
///   e_j = tanh(W_e x_j + b_e)                 every slot j, the same weights      [B, K, E]
///   q   = tanh(W_s s + b_s)                   the agent's features s              [B, 1, E]
///   c   = MultiHead(q, e, e; mask = present)                                       [B, 1, E]
///   out = [c, q]                                                                   [B, 2E]
/// </code>
/// No slot has a position of its own, so reordering the slots leaves the output unchanged (up to float rounding): the
/// summary is a function of the <i>set</i>, and any number of entities up to the layout's slots fits.
/// </summary>
public sealed class EntityAttentionEncoder : nn.Module<Tensor, Tensor>
{
    private readonly Linear embed;
    private readonly Linear self;
    private readonly MultiHeadAttention attention;
    private readonly EntityAttentionStep? step;

    /// <param name="layout">where the self features and the slots sit in an observation row.</param>
    /// <param name="width">E, the embedding width.</param>
    /// <param name="heads">H attention heads (must divide E).</param>
    /// <param name="step">replaces the softmax(q·k/√d) v step (e.g. a student's); null = MultiHeadAttention's own.</param>
    public EntityAttentionEncoder(EntitySetLayout layout, int width = 32, int heads = 2, EntityAttentionStep? step = null) : base(nameof(EntityAttentionEncoder))
    {
        Layout = layout;
        Width = width;
        embed = nn.Linear(layout.EntityFeatures, width);
        self = nn.Linear(Math.Max(1, layout.SelfFeatures), width);
        attention = new MultiHeadAttention(width, heads);
        this.step = step;
        RegisterComponents();
    }

    // The same weights reading another layout (see ForLayout).
    private EntityAttentionEncoder(EntityAttentionEncoder trained, EntitySetLayout layout) : base(nameof(EntityAttentionEncoder))
    {
        if (layout.EntityFeatures != trained.Layout.EntityFeatures || layout.SelfFeatures != trained.Layout.SelfFeatures)
        {
            throw new ArgumentException($"layout {layout} has other features per slot or self features than {trained.Layout}: only the number of slots may change.", nameof(layout));
        }
        Layout = layout;
        Width = trained.Width;
        embed = trained.embed;
        self = trained.self;
        attention = trained.attention;
        step = trained.step;
        RegisterComponents();
    }

    /// <summary>
    /// This encoder's weights (shared, not copied) reading observations of <paramref name="layout"/>, which may have
    /// any number of slots but the same features per slot: no weight depends on the number of slots.
    /// </summary>
    public EntityAttentionEncoder ForLayout(EntitySetLayout layout) => new(this, layout);

    public EntitySetLayout Layout { get; }
    public int Width { get; }
    /// <summary>The width of the summary: 2E.</summary>
    public int OutputWidth => 2 * Width;
    /// <summary>The attention module (set <see cref="MultiHeadAttention.RecordWeights"/> to read the weights).</summary>
    public MultiHeadAttention Attention => attention;

    /// <summary>Splits observations [B, obs] into self features [B, S] (a column of ones when S = 0), slots [B, K, F] and the presence mask [B, K].</summary>
    public (Tensor Self, Tensor Entities, Tensor Present) Split(Tensor observations)
    {
        if (observations.dim() != 2 || observations.shape[1] != Layout.Dimension)
        {
            throw new ArgumentException($"EntityAttentionEncoder expects observations [batch, {Layout.Dimension}] for layout {Layout}, got {Shapes.Of(observations)}.", nameof(observations));
        }
        var batch = observations.shape[0];
        var selfFeatures = Layout.SelfFeatures > 0
            ? observations.narrow(1, 0, Layout.SelfFeatures)                                        // [B, S]
            : ones(batch, 1, dtype: observations.dtype);                                            // [B, 1]
        var entities = observations.narrow(1, Layout.SelfFeatures, Layout.EntityFeatures * Layout.MaxEntities)
            .reshape(batch, Layout.MaxEntities, Layout.EntityFeatures);                             // [B, K, F]
        var present = entities.select(2, 0) > 0.5;                                                  // [B, K] bool
        return (selfFeatures, entities, present);
    }

    public override Tensor forward(Tensor observations)
    {
        var (selfFeatures, entities, present) = Split(observations);
        var e = embed.call(entities).tanh();                                                        // [B, K, E]
        var q = self.call(selfFeatures).tanh().unsqueeze(1);                                        // [B, 1, E]
        var keep = present.unsqueeze(1);                                                            // [B, 1, K]
        var context = step is null
            ? attention.call(q, e, e, keep)                                                         // [B, 1, E]
            : AttendWith(step, q, e, keep);                                                         // [B, 1, E]
        return cat(new[] { context.squeeze(1), q.squeeze(1) }, 1);                                  // [B, 2E]
    }

    /// <summary>
    /// The attention weights averaged over heads, [B, K] (0 on padding), of observations [B, obs], from the
    /// library's multi-head attention (what the notebook draws).
    /// </summary>
    public Tensor Weights(Tensor observations)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var (selfFeatures, entities, present) = Split(observations);
        var e = embed.call(entities).tanh();                                                        // [B, K, E]
        var q = self.call(selfFeatures).tanh().unsqueeze(1);                                        // [B, 1, E]
        using var result = attention.Attend(q, e, e, present.unsqueeze(1));
        return result.Weights.mean(new long[] { 1 }).squeeze(1).MoveToOuterDisposeScope();          // [B, H, 1, K] -> [B, K]
    }

    // MultiHeadAttention's projections with another core step: W^Q, W^K, W^V, the step (heads split and merged inside), W^O.
    private Tensor AttendWith(EntityAttentionStep core, Tensor q, Tensor e, Tensor keep)
    {
        var context = core(attention.WQ.call(q), attention.WK.call(e), attention.WV.call(e), keep, (int)attention.Heads);   // [B, 1, E]
        return attention.WO.call(context);                                                                              // [B, 1, E]
    }
}

/// <summary>A categorical policy over an entity set: logits = MLP(<see cref="EntityAttentionEncoder"/>(s)).</summary>
public sealed class AttentionPolicy : Policy
{
    private readonly EntityAttentionEncoder encoder;
    private readonly Sequential logits;

    /// <param name="layout">the observation layout.</param>
    /// <param name="actionCount">discrete actions.</param>
    /// <param name="width">E of the encoder.</param>
    /// <param name="heads">attention heads.</param>
    /// <param name="step">a replacement attention step (null = the library's).</param>
    public AttentionPolicy(EntitySetLayout layout, int actionCount, int width = 32, int heads = 2, EntityAttentionStep? step = null) : base(nameof(AttentionPolicy))
    {
        encoder = new EntityAttentionEncoder(layout, width, heads, step);
        logits = TanhMlp.Create(encoder.OutputWidth, new[] { 64 }, actionCount, outputGain: 0.01);
        ActionCount = actionCount;
        RegisterComponents();
    }

    // The same weights reading another layout (see ForLayout).
    private AttentionPolicy(AttentionPolicy trained, EntitySetLayout layout) : base(nameof(AttentionPolicy))
    {
        encoder = trained.encoder.ForLayout(layout);
        logits = trained.logits;
        ActionCount = trained.ActionCount;
        RegisterComponents();
    }

    /// <summary>
    /// This policy's weights (shared, not copied) acting on observations of <paramref name="layout"/>: the same set
    /// policy with more (or fewer) entity slots than it was trained with. A flat MLP has no such thing: its input width
    /// is the number of slots.
    /// </summary>
    public AttentionPolicy ForLayout(EntitySetLayout layout) => new(this, layout);

    public int ActionCount { get; }
    public EntityAttentionEncoder Encoder => encoder;
    public override bool IsDiscrete => true;

    public override ActionDistribution forward(Tensor observations) => new CategoricalDistribution(logits.call(encoder.call(observations))); // [B, A]
}

/// <summary>A value network over an entity set: V(s) = MLP(<see cref="EntityAttentionEncoder"/>(s)), [B].</summary>
public sealed class AttentionValue : nn.Module<Tensor, Tensor>
{
    private readonly EntityAttentionEncoder encoder;
    private readonly Sequential head;

    public AttentionValue(EntitySetLayout layout, int width = 32, int heads = 2) : base(nameof(AttentionValue))
    {
        encoder = new EntityAttentionEncoder(layout, width, heads);
        head = TanhMlp.Create(encoder.OutputWidth, new[] { 64 }, 1, outputGain: 1.0);
        RegisterComponents();
    }

    public override Tensor forward(Tensor observations) => head.call(encoder.call(observations)).squeeze(-1); // [B]
}

/// <summary>Actor-critics whose networks attend over entities, for <c>Ppo.Train</c>'s <c>networks</c> seam.</summary>
public static class AttentionActorCritic
{
    /// <summary>An <see cref="AttentionPolicy"/> and an <see cref="AttentionValue"/> (separate encoders), policy built first.</summary>
    public static ActorCritic Create(EntitySetLayout layout, int actionCount, int width = 32, int heads = 2, EntityAttentionStep? step = null)
    {
        var policy = new AttentionPolicy(layout, actionCount, width, heads, step);
        return new ActorCritic(policy, new AttentionValue(layout, width, heads));
    }

    /// <summary>
    /// How much a policy's logits move when the entity slots of each observation are shuffled: the largest
    /// |logit(s) − logit(π s)| over <paramref name="observations"/> [B, obs] and <paramref name="shuffles"/> random
    /// slot orders each. About 1e-7 for a set function; order one for a policy that reads slots by position.
    /// </summary>
    public static double MaxLogitChangeUnderShuffle(Policy policy, EntitySetLayout layout, float[][] observations, int shuffles, int seed)
    {
        var random = new Random(seed);
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var rows = observations.Length;
        var original = tensor(observations.SelectMany(o => o).ToArray(), new long[] { rows, layout.Dimension });
        var baseline = ((CategoricalDistribution)policy.call(original)).Logits;                    // [B, A]
        var worst = 0.0;
        for (var s = 0; s < shuffles; s++)
        {
            var shuffled = observations.Select(o =>
            {
                var order = Enumerable.Range(0, layout.MaxEntities).OrderBy(_ => random.Next()).ToArray();
                return layout.Permute(o.Select(v => (double)v).ToArray(), order).Select(v => (float)v).ToArray();
            }).SelectMany(o => o).ToArray();
            var logits = ((CategoricalDistribution)policy.call(tensor(shuffled, new long[] { rows, layout.Dimension }))).Logits; // [B, A]
            worst = Math.Max(worst, (logits - baseline).abs().max().item<float>());
        }
        return worst;
    }
}
