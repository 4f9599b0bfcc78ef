using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Pipeline.Trainer.Interop;

/// <summary>
/// State-dict files PyTorch reads, the format chosen by the extension: <c>.pt</c>/<c>.pth</c> as <c>torch.save</c>
/// writes a dict of tensors (a zip of a pickle and the tensors' bytes), <c>.safetensors</c> as Hugging Face's
/// safetensors. Both through TorchSharp.PyBridge.
/// </summary>
public static class StateDictFile
{
    /// <summary>The extensions <see cref="Write"/> and <see cref="Read"/> know, for messages.</summary>
    public const string KnownExtensions = ".pt, .pth or .safetensors";

    /// <summary>Whether <paramref name="path"/>'s extension names a format this class writes and reads.</summary>
    public static bool IsKnown(string path) => IsSafetensors(path) is not null;

    /// <summary>
    /// Writes <paramref name="stateDict"/> to <paramref name="path"/> through a staging file renamed when whole, so a
    /// failed write leaves no partial file and an earlier file stays until the new one is complete.
    /// </summary>
    /// <exception cref="ArgumentException">The extension is not one of <see cref="KnownExtensions"/>.</exception>
    public static void Write(string path, Dictionary<string, Tensor> stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var safetensors = IsSafetensors(path) ?? throw new ArgumentException($"{path}: the extension chooses the format: {KnownExtensions}");
        var staging = path + ".partial";
        try
        {
            using (var stream = new FileStream(staging, FileMode.Create, FileAccess.Write))
            {
                if (safetensors)
                {
                    Safetensors.SaveStateDict(stream, stateDict, leaveOpen: true);
                }
                else
                {
                    PyTorchPickler.PickleStateDict(stream, stateDict, leaveOpen: true);
                }
            }

            File.Move(staging, path, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    /// <summary>Reads the tensors of a state-dict file by name; the caller disposes them.</summary>
    /// <exception cref="ArgumentException">The extension is not one of <see cref="KnownExtensions"/>.</exception>
    /// <exception cref="InvalidDataException">The file is missing or is not a state dict in the format its extension names.</exception>
    public static Dictionary<string, Tensor> Read(string path)
    {
        var safetensors = IsSafetensors(path) ?? throw new ArgumentException($"{path}: the extension chooses the format: {KnownExtensions}");
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such file");
        }

        try
        {
            using var stream = File.OpenRead(path);
            if (safetensors)
            {
                return Safetensors.LoadStateDict(stream, leaveOpen: true);
            }

            var table = PyTorchUnpickler.UnpickleStateDict(stream, leaveOpen: true);
            var stateDict = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (DictionaryEntry entry in table)
            {
                if (entry.Key is not string key || entry.Value is not Tensor tensor)
                {
                    throw new InvalidDataException($"{path}: entry {entry.Key} is not a named tensor: the file is not a state dict (torch.save(model.state_dict(), ...))");
                }

                stateDict.Add(key, tensor);
            }

            return stateDict;
        }
        catch (Exception ex) when (ex is not InvalidDataException and not OutOfMemoryException)
        {
            // PyBridge reports damaged or foreign files as whatever its parsers hit (casts, zip, JSON, end of stream).
            var expected = safetensors ? "a safetensors file" : "a PyTorch state dict saved by torch.save";
            throw new InvalidDataException($"{path}: not {expected}: {ex.Message}", ex);
        }
    }

    // True for safetensors, false for a pickled .pt/.pth, null for an extension that names neither.
    private static bool? IsSafetensors(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".pt" or ".pth" => false,
            ".safetensors" => true,
            _ => null,
        };
    }
}
