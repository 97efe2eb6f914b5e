using System.Text.Json.Nodes;

namespace Workbook.Engine.Execution;

/// <summary>Receives what cells produce, as it happens.</summary>
public interface IExecutionSink
{
    /// <summary>A Jupyter output (stream, display_data, execute_result or error) of the running cell.</summary>
    void Output(JsonObject output);

    /// <summary>A display output that a later <see cref="UpdateDisplay"/> with <paramref name="displayId"/> may replace.</summary>
    void Output(JsonObject output, string displayId) => Output(output);

    /// <summary>New data and metadata for the display output sent with <paramref name="displayId"/> (nbformat's update_display_data).</summary>
    void UpdateDisplay(string displayId, JsonObject output)
    {
    }

    /// <summary>A metric reported through the library's Metrics.Report.</summary>
    void Metric(string name, double value);
}
