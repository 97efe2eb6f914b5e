using TorchSharp;
using Workbook.Recurrent;
using static TorchSharp.torch;

namespace Workbook.Tests.Recurrent;

/// <summary>
/// The from-scratch cells equal torch.nn.RNN / LSTM / GRU given the same weights and inputs, in outputs and in
/// gradients (inputs, initial states and every weight). Everything runs in float64; tolerance 1e-10 absolute.
/// </summary>
public sealed class TorchEqualityTests
{
    private const double Tolerance = 1e-10;

    public static TheoryData<CellKind, int, bool> Configurations()
    {
        var data = new TheoryData<CellKind, int, bool>();
        foreach (var kind in new[] { CellKind.Rnn, CellKind.Lstm, CellKind.Gru })
        {
            data.Add(kind, 1, false);
            data.Add(kind, 2, false);
            data.Add(kind, 1, true);
            data.Add(kind, 2, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Configurations))]
    public void OutputsAndGradientsEqualTorch(CellKind kind, int layers, bool bidirectional)
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        const int input = 4, hidden = 5, batch = 3, time = 6;
        var directions = bidirectional ? 2 : 1;
        nn.Module torchLayer = kind switch
        {
            CellKind.Rnn => nn.RNN(input, hidden, layers, batchFirst: true, bidirectional: bidirectional),
            CellKind.Lstm => nn.LSTM(input, hidden, layers, batchFirst: true, bidirectional: bidirectional),
            _ => nn.GRU(input, hidden, layers, batchFirst: true, bidirectional: bidirectional),
        };
        torchLayer.to(float64);
        var ours = new StackedRecurrent(new RecurrentConfig(kind, input, hidden, layers, bidirectional));
        ours.to(float64);
        ours.LoadFromTorch(torchLayer);

        var x = randn(batch, time, input, dtype: float64);
        var h0 = randn(layers * directions, batch, hidden, dtype: float64);
        var c0 = randn(layers * directions, batch, hidden, dtype: float64);
        var outputWeights = randn(batch, time, directions * hidden, dtype: float64);
        var finalWeights = randn(layers * directions, batch, hidden, dtype: float64);

        // torch
        var xTorch = x.clone().requires_grad_(true);
        var h0Torch = h0.clone().requires_grad_(true);
        var c0Torch = c0.clone().requires_grad_(true);
        Tensor outTorch, hnTorch;
        Tensor? cnTorch = null;
        switch (torchLayer)
        {
            case TorchSharp.Modules.LSTM lstm:
                (outTorch, hnTorch, cnTorch) = lstm.call(xTorch, (h0Torch, c0Torch));
                break;
            case TorchSharp.Modules.GRU gru:
                (outTorch, hnTorch) = gru.call(xTorch, h0Torch);
                break;
            case TorchSharp.Modules.RNN rnn:
                (outTorch, hnTorch) = rnn.call(xTorch, h0Torch);
                break;
            default:
                throw new InvalidOperationException();
        }
        var lossTorch = (outTorch * outputWeights).sum() + (hnTorch * finalWeights).sum() + (cnTorch is null ? 0 : (cnTorch * finalWeights).sum());
        lossTorch.backward();

        // ours
        var xOurs = x.clone().requires_grad_(true);
        var h0Ours = h0.clone().requires_grad_(true);
        var c0Ours = c0.clone().requires_grad_(true);
        var result = ours.call(xOurs, new RecurrentState(h0Ours, kind == CellKind.Lstm ? c0Ours : null));
        var lossOurs = (result.Outputs * outputWeights).sum() + (result.FinalHidden * finalWeights).sum() + (result.FinalCell is null ? 0 : (result.FinalCell * finalWeights).sum());
        lossOurs.backward();

        AssertClose(outTorch, result.Outputs, "outputs");
        AssertClose(hnTorch, result.FinalHidden, "h_n");
        if (kind == CellKind.Lstm)
        {
            AssertClose(cnTorch!, result.FinalCell!, "c_n");
            AssertClose(c0Torch.grad!, c0Ours.grad!, "dL/dc_0");
        }
        AssertClose(xTorch.grad!, xOurs.grad!, "dL/dx");
        AssertClose(h0Torch.grad!, h0Ours.grad!, "dL/dh_0");

        var torchParameters = torchLayer.named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);
        for (var layer = 0; layer < layers; layer++)
        {
            for (var direction = 0; direction < directions; direction++)
            {
                var suffix = $"_l{layer}" + (direction == 1 ? "_reverse" : "");
                var wih = torchParameters["weight_ih" + suffix].grad!;
                var whh = torchParameters["weight_hh" + suffix].grad!;
                var bih = torchParameters["bias_ih" + suffix].grad!;
                var bhh = torchParameters["bias_hh" + suffix].grad!;
                switch (ours.Cell(layer, direction))
                {
                    case GruCell gruCell:
                        AssertClose(wih, gruCell.InputWeight.grad!, "dW_ih" + suffix);
                        AssertClose(whh, gruCell.HiddenWeight.grad!, "dW_hh" + suffix);
                        AssertClose(bih, gruCell.InputBias.grad!, "db_ih" + suffix);
                        AssertClose(bhh, gruCell.HiddenBias.grad!, "db_hh" + suffix);
                        break;
                    case LstmCell lstmCell:
                        AssertClose(cat(new[] { whh, wih }, 1), lstmCell.Weight.grad!, "dW" + suffix);
                        AssertClose(bih, lstmCell.Bias.grad!, "db" + suffix);
                        AssertClose(bhh, lstmCell.Bias.grad!, "db" + suffix);
                        break;
                    case RnnCell rnnCell:
                        AssertClose(cat(new[] { whh, wih }, 1), rnnCell.Weight.grad!, "dW" + suffix);
                        AssertClose(bih, rnnCell.Bias.grad!, "db" + suffix);
                        break;
                }
            }
        }
    }

    [Fact]
    public void LstmGateOrderIsTorchsIfgo()
    {
        // Only the forget-gate block of the bias is set: with zero weights, f = σ(10) ≈ 1, i = o = 0.5, g = 0,
        // so c_t ≈ c_{t-1}. If the blocks were in another order the cell state would not be kept.
        using var scope = NewDisposeScope();
        var cell = new LstmCell(2, 3);
        cell.to(float64);
        using (no_grad())
        {
            cell.Weight.zero_();
            cell.Bias.zero_();
        }
        cell.SetForgetBias(10);
        var c0 = tensor(new double[] { 0.5, -0.25, 0.75 }).reshape(1, 3);
        var next = cell.Step(zeros(1, 2, dtype: float64), new RecurrentState(zeros(1, 3, dtype: float64), c0));
        AssertClose(c0 * (1 / (1 + Math.Exp(-10))), next.Cell!, "c_1");
        AssertClose(0.5 * next.Cell!.tanh(), next.Hidden, "h_1");
    }

    [Fact]
    public void BadShapesThrowArgumentExceptionsThatNameTheShapes()
    {
        var cell = new LstmCell(4, 5);
        var error = Assert.Throws<ArgumentException>(() => cell.Step(zeros(2, 3), cell.InitialState(2)));
        Assert.Contains("[batch, 4]", error.Message);
        Assert.Contains("[2, 3]", error.Message);
        var empty = Assert.Throws<ArgumentException>(() => SequenceRunner.Run(cell, zeros(2, 0, 4)));
        Assert.Contains("empty", empty.Message);
        var lengths = Assert.Throws<ArgumentException>(() => SequenceRunner.Run(cell, zeros(2, 3, 4), lengths: new long[] { 3, 4 }));
        Assert.Contains("lengths[1] = 4", lengths.Message);
        Assert.Throws<ArgumentException>(() => new GruCell(0, 3));
    }

    [Fact]
    public void PaddedStepsLeaveTheStateUnchanged()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var cell = new GruCell(2, 4);
        var x = randn(2, 5, 2);
        var padded = SequenceRunner.Run(cell, x, lengths: new long[] { 5, 3 });
        var shortOnly = SequenceRunner.Run(cell, x[1..2, ..3, ..]);
        AssertClose(shortOnly.Final.Hidden, padded.Final.Hidden[1..2], "final state of the short sequence", 1e-6);
        var reversePadded = SequenceRunner.Run(cell, x, reverse: true, lengths: new long[] { 5, 3 });
        var reverseShort = SequenceRunner.Run(cell, x[1..2, ..3, ..], reverse: true);
        AssertClose(reverseShort.Final.Hidden, reversePadded.Final.Hidden[1..2], "reverse final state of the short sequence", 1e-6);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, string what, double tolerance = Tolerance)
    {
        Assert.Equal(expected.shape, actual.shape);
        var difference = (expected - actual).abs().max().ToDouble();
        Assert.True(difference <= tolerance, $"{what}: max |difference| = {difference:G3} > {tolerance:G3}");
    }
}
