using System.Text.Json.Nodes;

namespace Workbook.Engine.Execution;

/// <summary>Receives what cells produce, as it happens.</summary>
public interface IExecutionSink
{
    /// <summary>A Jupyter output (stream, display_data, execute_result or error) of the running cell.</summary>
    void Output(JsonObject output);

    /// <summary>A metric reported through the library's Metrics.Report.</summary>
    void Metric(string name, double value);
}
