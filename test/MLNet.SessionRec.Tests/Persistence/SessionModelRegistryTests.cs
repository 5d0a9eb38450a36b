
namespace MLNet.SessionRec.Tests.Persistence;

[TestClass]
public sealed class SessionModelRegistryTests
{
    [TestMethod]
    public void ModelDataWithADuplicateItemIdIsInvalidData()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            w.Write(2);
            w.Write("a"); w.Write(1L);
            w.Write("a"); w.Write(2L);
        }
        stream.Position = 0;
        var error = Assert.ThrowsExactly<InvalidDataException>(() => MLNet.SessionRec.Persistence.ModelBinary.ReadVocabulary(new BinaryReader(stream)));
        StringAssert.Contains(error.Message, "'a'");
    }
}
