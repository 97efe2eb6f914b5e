using TorchSharp;
using TorchSharp.Modules;
using Workbook.Data.Sequences;
using Workbook.Tensors;
using Workbook.Training;
using static TorchSharp.torch;

namespace Workbook.Recurrent;

/// <summary>Settings of a <see cref="Seq2Seq"/> model.</summary>
/// <param name="SourceVocabulary">number of source token ids.</param>
/// <param name="TargetVocabulary">number of target token ids (with <see cref="Vocabulary.Start"/> and <see cref="Vocabulary.End"/>).</param>
/// <param name="EmbeddingSize">size of the token embeddings.</param>
/// <param name="HiddenSize">hidden size of encoder and decoder cells.</param>
/// <param name="Cell">LSTM or GRU (or RNN) cells.</param>
/// <param name="BidirectionalEncoder">read the source both ways (Bahdanau's encoder); the decoder starts from tanh(W[h→; h←]).</param>
public sealed record Seq2SeqConfig(int SourceVocabulary, int TargetVocabulary, int EmbeddingSize = 32, int HiddenSize = 64, CellKind Cell = CellKind.Gru, bool BidirectionalEncoder = false);

/// <summary>What the encoder hands to the decoder.</summary>
/// <param name="Outputs">encoder hidden states h_1..h_S [batch, source time, encoder size] (the keys and values of attention).</param>
/// <param name="Keep">[batch, 1, source time], true at real (non-padding) source positions.</param>
/// <param name="Lengths">true source lengths.</param>
/// <param name="Initial">the decoder's initial state (the encoder's summary of the whole source: the bottleneck of Notes §6.5.1).</param>
public sealed record EncoderResult(Tensor Outputs, Tensor Keep, long[] Lengths, RecurrentState Initial);

/// <summary>The decoder's state between steps: the recurrent state and, with attention, the last attentional vector (input feeding).</summary>
public sealed record DecoderState(RecurrentState Recurrent, Tensor? Feed);

/// <summary>One decoder step's result.</summary>
/// <param name="Logits">[batch, target vocabulary].</param>
/// <param name="Next">the state after the step.</param>
/// <param name="Weights">attention weights over the source [batch, source time], or null without attention.</param>
public sealed record DecoderStep(Tensor Logits, DecoderState Next, Tensor? Weights);

/// <summary>
/// An attention mechanism as the decoder uses it: given a query per example [batch, 1, query size], the encoder states
/// [batch, source time, encoder size] and the padding mask, returns the context vector [batch, 1, encoder size] and the
/// weights [batch, 1, source time] (Notes §6.5.2). <c>ScoreAttention</c> builds one from any
/// Workbook.Attention.IScoreFunction, globally or locally (Luong).
/// </summary>
public abstract class DecoderAttention : nn.Module<Tensor, Tensor, Tensor, (Tensor Context, Tensor Weights)>
{
    /// <summary>Registers the module under <paramref name="name"/>.</summary>
    protected DecoderAttention(string name) : base(name) { }

    /// <summary>Short name for charts ("additive", "general (local)").</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Context [batch, 1, encoder size] and weights [batch, 1, source time] for one decoder step, from the query
    /// [batch, 1, query size], the encoder states [batch, source time, encoder size] and the padding mask
    /// <paramref name="keep"/> [batch, 1, source time] (true at real positions).
    /// </summary>
    public abstract override (Tensor Context, Tensor Weights) forward(Tensor query, Tensor keys, Tensor keep);
}

/// <summary>Where the decoder consults attention.</summary>
public enum AttentionStyle
{
    /// <summary>
    /// Luong et al.: the new decoder state s_t is the query; the context and s_t make the attentional vector
    /// h̃_t = tanh(W_c [c_t; s_t]) that is read out and also fed to the next step's input (input feeding).
    /// </summary>
    Luong,
    /// <summary>
    /// Bahdanau et al.: the previous decoder state s_{t-1} is the query; the context enters the cell's input
    /// (Notes §6.5.2's first option, [s_{t-1}; a_{t-1}; x_t]) and the readout.
    /// </summary>
    Bahdanau,
}

/// <summary>
/// Encoder-decoder for sequence-to-sequence learning (Notes §6.4.1): a recurrent encoder reads the source, a recurrent
/// decoder starts from its final state and produces the target one token at a time, each prediction conditioned on the
/// previous token (Notes §6.3.1). Optionally the decoder attends over all encoder states at every step (Notes §6.5).
/// Training feeds ground truth or the model's own predictions according to a <see cref="TeacherForcingSchedule"/>
/// (Notes §6.3.2); inference is greedy or beam search (<see cref="Decoding"/>, Notes §6.4.2).
/// </summary>
public sealed class Seq2Seq : nn.Module<Seq2SeqBatch, Tensor>, ISequenceToSequence
{
    private readonly Embedding sourceEmbedding;
    private readonly Embedding targetEmbedding;
    private readonly StackedRecurrent encoder;
    private readonly RecurrentCell decoder;
    private readonly Linear? bridge;
    private readonly Linear? combine;
    private readonly Linear readout;
    private readonly DecoderAttention? attention;

    /// <summary>Creates the model; <paramref name="attention"/> null gives the plain encoder-decoder with its fixed-size bottleneck.</summary>
    public Seq2Seq(Seq2SeqConfig config, DecoderAttention? attention = null, AttentionStyle style = AttentionStyle.Luong) : base(nameof(Seq2Seq))
    {
        if (config.SourceVocabulary < 4 || config.TargetVocabulary < 4)
        {
            throw new ArgumentException($"Vocabularies must hold the 3 reserved tokens and at least one more, got source {config.SourceVocabulary}, target {config.TargetVocabulary}.", nameof(config));
        }
        Config = config;
        Style = style;
        this.attention = attention;
        int hidden = config.HiddenSize, encoderSize = (config.BidirectionalEncoder ? 2 : 1) * hidden;
        sourceEmbedding = nn.Embedding(config.SourceVocabulary, config.EmbeddingSize, padding_idx: Vocabulary.Pad);
        targetEmbedding = nn.Embedding(config.TargetVocabulary, config.EmbeddingSize, padding_idx: Vocabulary.Pad);
        encoder = new StackedRecurrent(new RecurrentConfig(config.Cell, config.EmbeddingSize, hidden, 1, config.BidirectionalEncoder));
        bridge = config.BidirectionalEncoder ? nn.Linear(2 * hidden, hidden) : null;
        var decoderInput = attention is null ? config.EmbeddingSize
            : style == AttentionStyle.Luong ? config.EmbeddingSize + hidden
            : config.EmbeddingSize + encoderSize;
        decoder = RecurrentCell.Create(config.Cell, decoderInput, hidden);
        combine = attention is null ? null : nn.Linear(encoderSize + hidden, hidden);
        readout = nn.Linear(hidden, config.TargetVocabulary);
        RegisterComponents();
    }

    /// <summary>The settings.</summary>
    public Seq2SeqConfig Config { get; }

    /// <summary>How attention is wired in (ignored without attention).</summary>
    public AttentionStyle Style { get; }

    /// <summary>The attention mechanism, or null.</summary>
    public DecoderAttention? Attention => attention;

    /// <summary>Reads the source [batch, source time] (true lengths <paramref name="lengths"/>).</summary>
    public EncoderResult Encode(Tensor source, long[] lengths)
    {
        if (source.dim() != 2 || source.shape[1] == 0)
        {
            throw new ArgumentException($"source must be [batch, source time >= 1] token ids, got {Shapes.Of(source)}.", nameof(source));
        }
        var embedded = sourceEmbedding.call(source);                          // [batch, source time, embedding]
        var run = encoder.Run(embedded, null, lengths);                       // outputs [batch, source time, directions·hidden]
        var keep = (arange(source.shape[1]).unsqueeze(0) < tensor(lengths).unsqueeze(1)).unsqueeze(1); // [batch, 1, source time]
        RecurrentState initial;
        if (bridge is not null)
        {
            var both = cat(new[] { run.FinalHidden[0], run.FinalHidden[1] }, 1); // [batch, 2·hidden]
            var h0 = bridge.call(both).tanh();                                  // [batch, hidden]
            initial = new RecurrentState(h0, Config.Cell == CellKind.Lstm ? zeros_like(h0) : null);
        }
        else
        {
            initial = new RecurrentState(run.FinalHidden[0], run.FinalCell?[0]); // [batch, hidden]
        }
        return new EncoderResult(run.Outputs, keep, lengths, initial);
    }

    /// <summary>The state before the first decoder step.</summary>
    public DecoderState InitialState(EncoderResult encoded) =>
        new(encoded.Initial, attention is not null && Style == AttentionStyle.Luong ? zeros_like(encoded.Initial.Hidden) : null);

    /// <summary>One decoder step from the previous tokens [batch] (int64).</summary>
    public DecoderStep Step(EncoderResult encoded, Tensor previous, DecoderState state)
    {
        var embedded = targetEmbedding.call(previous);                                     // [batch, embedding]
        if (attention is null)
        {
            var next = decoder.call(embedded, state.Recurrent);                            // [batch, hidden]
            return new DecoderStep(readout.call(next.Hidden), new DecoderState(next, null), null); // logits [batch, vocabulary]
        }
        if (Style == AttentionStyle.Luong)
        {
            var input = cat(new[] { embedded, state.Feed! }, 1);                           // [batch, embedding + hidden]
            var next = decoder.call(input, state.Recurrent);                               // s_t [batch, hidden]
            var (context, weights) = attention.call(next.Hidden.unsqueeze(1), encoded.Outputs, encoded.Keep); // [batch, 1, enc], [batch, 1, source]
            var attentional = combine!.call(cat(new[] { context.squeeze(1), next.Hidden }, 1)).tanh(); // h̃_t [batch, hidden]
            return new DecoderStep(readout.call(attentional), new DecoderState(next, attentional), weights.squeeze(1));
        }
        else
        {
            var (context, weights) = attention.call(state.Recurrent.Hidden.unsqueeze(1), encoded.Outputs, encoded.Keep); // query s_{t-1}
            var input = cat(new[] { embedded, context.squeeze(1) }, 1);                    // [batch, embedding + enc]
            var next = decoder.call(input, state.Recurrent);                               // s_t [batch, hidden]
            var output = combine!.call(cat(new[] { context.squeeze(1), next.Hidden }, 1)).tanh(); // [batch, hidden]
            return new DecoderStep(readout.call(output), new DecoderState(next, null), weights.squeeze(1));
        }
    }

    /// <summary>Logits [batch, target time, vocabulary] with full teacher forcing.</summary>
    public override Tensor forward(Seq2SeqBatch batch) => Logits(batch, 1.0, null);

    /// <summary>
    /// Logits [batch, target time, vocabulary] under scheduled sampling: at each step t &gt; 0 each example is fed the true
    /// previous token with probability <paramref name="truthProbability"/>, else the model's own previous argmax prediction.
    /// </summary>
    public Tensor Logits(Seq2SeqBatch batch, double truthProbability, Random? random)
    {
        var encoded = Encode(batch.Source, batch.SourceLengths);
        var state = InitialState(encoded);
        long batchSize = batch.DecoderInput.shape[0], time = batch.DecoderInput.shape[1];
        var logits = new List<Tensor>();
        Tensor? predicted = null;
        for (long t = 0; t < time; t++)
        {
            var tokens = batch.DecoderInput[.., t];                                        // [batch]
            if (predicted is not null && truthProbability < 1)
            {
                var coin = random ?? throw new ArgumentNullException(nameof(random), $"Scheduled sampling (truth probability {truthProbability}) draws coins: pass the Random that drives them.");
                var truth = tensor(Enumerable.Range(0, (int)batchSize).Select(_ => coin.NextDouble() < truthProbability).ToArray()); // [batch]
                tokens = where(truth, tokens, predicted);                                  // [batch]
            }
            var step = Step(encoded, tokens, state);
            logits.Add(step.Logits);                                                       // [batch, vocabulary]
            predicted = step.Logits.argmax(1).detach();                                    // [batch]
            state = step.Next;
        }
        return stack(logits, 1);                                                           // [batch, target time, vocabulary]
    }

    /// <summary>Mean cross-entropy over the real target tokens (End included, padding ignored).</summary>
    public Tensor Loss(Seq2SeqBatch batch, double truthProbability = 1.0, Random? random = null)
    {
        var logits = Logits(batch, truthProbability, random);                              // [batch, time, vocabulary]
        return nn.functional.cross_entropy(logits.reshape(-1, Config.TargetVocabulary), batch.Target.reshape(-1), ignore_index: Vocabulary.Pad);
    }

    /// <summary>
    /// Greedy decoding of a whole batch (Notes §6.4.2.1): tokens without Start/End for every example, and the attention
    /// weights [batch, steps, source time] when the model attends.
    /// </summary>
    public (int[][] Tokens, Tensor? Weights) Greedy(Tensor source, long[] lengths, int maxLength)
    {
        if (maxLength < 1)
        {
            throw new ArgumentException($"maxLength must be at least 1, got {maxLength}.", nameof(maxLength));
        }
        using var _ = no_grad();
        var encoded = Encode(source, lengths);
        var state = InitialState(encoded);
        var batchSize = source.shape[0];
        var previous = full(batchSize, Vocabulary.Start, dtype: int64);                   // [batch]
        var outputs = new List<long[]>();
        var weights = new List<Tensor>();
        var done = new bool[batchSize];
        for (var t = 0; t < maxLength && !done.All(d => d); t++)
        {
            var step = Step(encoded, previous, state);
            previous = step.Logits.argmax(1);                                              // [batch]
            var ids = previous.data<long>().ToArray();
            outputs.Add(ids);
            if (step.Weights is not null)
            {
                weights.Add(step.Weights);                                                 // [batch, source time]
            }
            for (var b = 0; b < batchSize; b++)
            {
                done[b] |= ids[b] == Vocabulary.End;
            }
            state = step.Next;
        }
        var tokens = new int[batchSize][];
        for (var b = 0; b < batchSize; b++)
        {
            tokens[b] = outputs.Select(o => (int)o[b]).TakeWhile(id => id != Vocabulary.End).ToArray();
        }
        return (tokens, weights.Count > 0 ? stack(weights, 1) : null);                    // [batch, steps, source time]
    }

    /// <summary>
    /// The model as an <see cref="IStepDecoder{TState}"/> for one source sequence (ids, without padding), so that
    /// <see cref="Decoding.Greedy"/> and <see cref="Decoding.BeamSearch"/> can run on it.
    /// </summary>
    public IStepDecoder<DecoderState> StepDecoder(IReadOnlyList<int> source)
    {
        if (source.Count == 0)
        {
            throw new ArgumentException("The source sequence is empty.", nameof(source));
        }
        using var _ = no_grad();
        var ids = tensor(source.Select(i => (long)i).ToArray()).unsqueeze(0);             // [1, source time]
        var encoded = Encode(ids, new long[] { source.Count });
        return new ModelStepDecoder(this, encoded);
    }

    private sealed class ModelStepDecoder : IStepDecoder<DecoderState>
    {
        private readonly Seq2Seq model;
        private readonly EncoderResult encoded;

        public ModelStepDecoder(Seq2Seq model, EncoderResult encoded)
        {
            this.model = model;
            this.encoded = encoded;
            InitialState = model.InitialState(encoded);
        }

        public int StartToken => Vocabulary.Start;

        public int EndToken => Vocabulary.End;

        public DecoderState InitialState { get; }

        public (double[] LogProbabilities, DecoderState Next) Step(DecoderState state, int previousToken)
        {
            using var _ = no_grad();
            var step = model.Step(encoded, tensor(new long[] { previousToken }), state);
            var logProbabilities = step.Logits.log_softmax(1)[0].to(float64).data<double>().ToArray(); // [vocabulary]
            return (logProbabilities, step.Next);
        }
    }
}
