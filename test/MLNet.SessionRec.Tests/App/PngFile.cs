using System.Buffers.Binary;

namespace MLNet.SessionRec.Tests.App;

/// <summary>Checks that a file is a PNG and reads its pixel size from the IHDR chunk.</summary>
internal static class PngFile
{
    private static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    public static (int Width, int Height) AssertValid(string path, int minBytes = 10_000)
    {
        Assert.IsTrue(File.Exists(path), $"{path} was not written");
        byte[] bytes = File.ReadAllBytes(path);
        CollectionAssert.AreEqual(Signature, bytes.Take(8).ToArray(), "PNG signature");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4), "first chunk must be IHDR");
        Assert.IsGreaterThan(minBytes, bytes.Length, $"a {bytes.Length}-byte PNG is too small to hold a chart");
        Assert.AreEqual("IEND", System.Text.Encoding.ASCII.GetString(bytes, bytes.Length - 8, 4), "PNG must end with IEND");
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
