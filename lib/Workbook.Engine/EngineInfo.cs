namespace Workbook.Engine; internal static class EngineInfo { internal const string Name = "workbook-engine"; }
