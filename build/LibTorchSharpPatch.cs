// Makes TorchSharp 0.107.0's native library load on Linux systems whose libstdc++ predates GCC 13
// (Debian 12 stops at GLIBCXX_3.4.30). libLibTorchSharp.so asks for GLIBCXX_3.4.32 only because
// GCC 13 records std::ios_base_library_init(), a link-time marker no relocation uses. Marking that
// one version-needed entry weak (VER_FLG_WEAK) lets the dynamic loader accept its absence.
//
// This file is compiled twice: as an MSBuild inline task (build/Workbook.Build.targets) that
// patches the copies in build output folders, and into the notebook engine, which patches the
// native files it resolves for `#r "nuget: ..."`. It never edits a file in place: it writes a
// patched copy next to the file and renames it over the original in one step (rename(2) replaces
// the name atomically), so a hard link into the NuGet global packages folder is replaced, not
// modified, and a process starting at that moment loads either the old file or the new one, never a
// missing or half-written one. A destination that already holds the patched bytes is left alone, so a
// rebuild with a kernel running touches nothing.
#nullable enable
using System;
using System.IO;
using System.Text;

namespace Workbook.Build
{
    /// <summary>What <see cref="LibTorchSharpPatch.Apply"/> did to one file.</summary>
    public enum PatchOutcome
    {
        /// <summary>The file needs no change: it does not require the version, or already marks it weak.</summary>
        NotNeeded,
        /// <summary>The system's libstdc++ already provides the version, so nothing was changed.</summary>
        SystemProvidesVersion,
        /// <summary>The version-needed entry was marked weak.</summary>
        Patched,
        /// <summary>The destination already held exactly the bytes it should: nothing was written.</summary>
        Unchanged,
        /// <summary>The destination was written with the source's bytes, which need no patch here.</summary>
        Copied,
    }

    /// <summary>Marks the GLIBCXX_3.4.32 version requirement of libLibTorchSharp.so weak.</summary>
    public static class LibTorchSharpPatch
    {
        /// <summary>The one symbol version of GCC 13's libstdc++ that TorchSharp 0.107.0 asks for.</summary>
        public const string VersionName = "GLIBCXX_3.4.32";

        private const uint ShtGnuVerneed = 0x6ffffffe;
        private const ushort VerFlgWeak = 0x2;

        private static readonly string[] LibstdcxxCandidates =
        {
            "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/lib/x86_64-linux-gnu/libstdc++.so.6",
            "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
            "/usr/lib64/libstdc++.so.6",
            "/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6",
        };

        /// <summary>True when the running system's libstdc++ defines <see cref="VersionName"/>.</summary>
        public static bool SystemLibstdcxxProvidesVersion()
        {
            foreach (var candidate in LibstdcxxCandidates)
            {
                if (!File.Exists(candidate))
                {
                    continue;
                }
                var bytes = File.ReadAllBytes(candidate);
                return IndexOf(bytes, Encoding.ASCII.GetBytes(VersionName + "\0")) >= 0;
            }
            return false;
        }

        /// <summary>
        /// Patches <paramref name="path"/> in place (by an atomic rename) when the system needs it. Returns what was done.
        /// Throws <see cref="InvalidDataException"/> when the file is not a 64-bit little-endian ELF.
        /// </summary>
        public static PatchOutcome Apply(string path)
        {
            var bytes = File.ReadAllBytes(path);
            var offset = FindNonWeakVersionNeed(bytes, path);
            if (offset < 0)
            {
                return PatchOutcome.NotNeeded;
            }
            if (SystemLibstdcxxProvidesVersion())
            {
                return PatchOutcome.SystemProvidesVersion;
            }
            MarkWeak(bytes, offset);
            ReplaceAtomically(path, bytes);
            return PatchOutcome.Patched;
        }

        /// <summary>
        /// Puts the patched form of <paramref name="source"/> (or the source unchanged, where no patch is needed) at
        /// <paramref name="destination"/>: nothing is written when the destination already holds those bytes; otherwise
        /// a temporary file in the destination's folder is renamed over it in one step. The source is never modified.
        /// </summary>
        public static PatchOutcome CopyPatched(string source, string destination)
        {
            var bytes = File.ReadAllBytes(source);
            var offset = FindNonWeakVersionNeed(bytes, source);
            var patch = offset >= 0 && !SystemLibstdcxxProvidesVersion();
            if (patch)
            {
                MarkWeak(bytes, offset);
            }
            if (File.Exists(destination) && SameBytes(destination, bytes))
            {
                return PatchOutcome.Unchanged;
            }
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(destination))!);
            ReplaceAtomically(destination, bytes);
            return patch ? PatchOutcome.Patched : PatchOutcome.Copied;
        }

        private static void MarkWeak(byte[] bytes, int offset)
        {
            var flags = BitConverter.ToUInt16(bytes, offset);
            flags |= VerFlgWeak;
            bytes[offset] = (byte)(flags & 0xff);
            bytes[offset + 1] = (byte)(flags >> 8);
        }

        // Write a temporary file beside the destination, then rename it over the destination: on Linux and macOS
        // File.Replace without a backup is rename(2), which replaces the name in one step (never a moment without the
        // file) and never writes through a hard link. (File.Move's overwrite flag is not in netstandard2.0, which the
        // MSBuild inline task compiles against.)
        private static void ReplaceAtomically(string path, byte[] bytes)
        {
            var temp = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "." + Path.GetFileName(path) + ".patching-" + Guid.NewGuid().ToString("N"));
            try
            {
                File.WriteAllBytes(temp, bytes);
                if (File.Exists(path))
                {
                    File.Replace(temp, path, null);
                }
                else
                {
                    File.Move(temp, path);
                }
            }
            finally
            {
                if (File.Exists(temp))
                {
                    File.Delete(temp);
                }
            }
        }

        private static bool SameBytes(string path, byte[] bytes)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length != bytes.Length)
            {
                return false;
            }
            var buffer = new byte[1 << 16];
            var position = 0;
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] != bytes[position + i])
                    {
                        return false;
                    }
                }
                position += read;
            }
            return position == bytes.Length;
        }

        /// <summary>
        /// Offset of the vna_flags field of the non-weak <see cref="VersionName"/> entry in
        /// .gnu.version_r, or -1 when there is none.
        /// </summary>
        public static int FindNonWeakVersionNeed(byte[] elf, string nameForErrors)
        {
            if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            {
                throw new InvalidDataException($"{nameForErrors}: not an ELF file.");
            }
            if (elf[4] != 2 || elf[5] != 1)
            {
                throw new InvalidDataException($"{nameForErrors}: not a 64-bit little-endian ELF file.");
            }
            var sectionHeaders = checked((int)BitConverter.ToUInt64(elf, 0x28));
            var sectionHeaderSize = BitConverter.ToUInt16(elf, 0x3A);
            var sectionCount = BitConverter.ToUInt16(elf, 0x3C);
            for (var i = 0; i < sectionCount; i++)
            {
                var header = sectionHeaders + i * sectionHeaderSize;
                if (BitConverter.ToUInt32(elf, header + 4) != ShtGnuVerneed)
                {
                    continue;
                }
                var verneed = checked((int)BitConverter.ToUInt64(elf, header + 0x18));
                var linkedStrings = BitConverter.ToUInt32(elf, header + 0x28);
                var entryCount = BitConverter.ToUInt32(elf, header + 0x2C);
                var stringsHeader = sectionHeaders + (int)linkedStrings * sectionHeaderSize;
                var strings = checked((int)BitConverter.ToUInt64(elf, stringsHeader + 0x18));

                var need = verneed;
                for (var n = 0; n < entryCount; n++)
                {
                    var auxCount = BitConverter.ToUInt16(elf, need + 2);
                    var aux = need + (int)BitConverter.ToUInt32(elf, need + 8);
                    for (var a = 0; a < auxCount; a++)
                    {
                        var flagsOffset = aux + 4;
                        var name = ReadCString(elf, strings + (int)BitConverter.ToUInt32(elf, aux + 8));
                        if (name == VersionName && (BitConverter.ToUInt16(elf, flagsOffset) & VerFlgWeak) == 0)
                        {
                            return flagsOffset;
                        }
                        aux += (int)BitConverter.ToUInt32(elf, aux + 12);
                    }
                    need += (int)BitConverter.ToUInt32(elf, need + 12);
                }
            }
            return -1;
        }

        private static string ReadCString(byte[] bytes, int start)
        {
            var end = start;
            while (end < bytes.Length && bytes[end] != 0)
            {
                end++;
            }
            return Encoding.ASCII.GetString(bytes, start, end - start);
        }

        private static int IndexOf(byte[] haystack, byte[] needle)
        {
            for (var i = 0; i <= haystack.Length - needle.Length; i++)
            {
                var j = 0;
                while (j < needle.Length && haystack[i + j] == needle[j])
                {
                    j++;
                }
                if (j == needle.Length)
                {
                    return i;
                }
            }
            return -1;
        }
    }

#if !WORKBOOK_NO_MSBUILD_TASK
    /// <summary>MSBuild task: patches every libLibTorchSharp.so given in <see cref="Files"/>.</summary>
    public sealed class PatchLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The native files to patch (missing files are skipped).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Files { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <inheritdoc />
        public override bool Execute()
        {
            foreach (var item in Files)
            {
                var path = item.GetMetadata("FullPath");
                if (!File.Exists(path))
                {
                    continue;
                }
                var outcome = LibTorchSharpPatch.Apply(path);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"LibTorchSharp patch: {outcome}: {path}");
            }
            return !Log.HasLoggedErrors;
        }
    }

    /// <summary>
    /// MSBuild task: puts the patched libLibTorchSharp.so of each source in <see cref="Sources"/> at
    /// <c>DestinationFolder + %(DestinationSubDirectory) + file name</c>, writing nothing when the destination is already
    /// right (see <see cref="LibTorchSharpPatch.CopyPatched"/>); <see cref="Written"/> lists the destinations.
    /// </summary>
    public sealed class CopyPatchedLibTorchSharp : Microsoft.Build.Utilities.Task
    {
        /// <summary>The package's libLibTorchSharp.so files (with DestinationSubDirectory metadata as copy-local items have).</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Sources { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>The output folder.</summary>
        [Microsoft.Build.Framework.Required]
        public string DestinationFolder { get; set; } = "";

        /// <summary>Every destination path, for FileWrites (so incremental clean keeps them).</summary>
        [Microsoft.Build.Framework.Output]
        public Microsoft.Build.Framework.ITaskItem[] Written { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <inheritdoc />
        public override bool Execute()
        {
            var written = new System.Collections.Generic.List<Microsoft.Build.Framework.ITaskItem>();
            foreach (var item in Sources)
            {
                var source = item.GetMetadata("FullPath");
                var destination = Path.Combine(DestinationFolder, item.GetMetadata("DestinationSubDirectory"), Path.GetFileName(source));
                var outcome = LibTorchSharpPatch.CopyPatched(source, destination);
                Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal, $"LibTorchSharp copy: {outcome}: {destination}");
                written.Add(new Microsoft.Build.Utilities.TaskItem(destination));
            }
            Written = written.ToArray();
            return !Log.HasLoggedErrors;
        }
    }
#endif
}
