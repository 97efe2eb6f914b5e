Console.WriteLine("workbook: not built yet");
