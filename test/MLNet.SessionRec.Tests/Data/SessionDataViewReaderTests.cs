using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using MLNet.SessionRec.Data;

namespace MLNet.SessionRec.Tests.Data;

[TestClass]
public sealed class SessionDataViewReaderTests
{
    private sealed class TextRow { public string SessionId = ""; public string ItemId = ""; public double Time; }

    private sealed class NumberRow { public long SessionId; public int ItemId; public float Time; }

    private static List<TextRow> Rows(string part) => File.ReadLines(TestData.Rsc15(part)).Skip(1).Select(l => l.Split('\t'))
        .Select(f => new TextRow { SessionId = f[0], ItemId = f[1], Time = double.Parse(f[2], CultureInfo.InvariantCulture) }).ToList();

    [TestMethod]
    public void TextColumnsGiveTheSameStoreAsTheFile()
    {
        var ml = new MLContext(1);
        var fromFile = SessionFileReader.Read(TestData.Rsc15("train_full"));
        var fromView = SessionDataViewReader.Read(ml.Data.LoadFromEnumerable(Rows("train_full")));
        AssertSame(fromFile, fromView);
        var test = SessionDataViewReader.Read(ml.Data.LoadFromEnumerable(Rows("test")), vocabulary: fromView.Items);
        Assert.AreEqual(13_568, test.EventCount);
        Assert.AreEqual(3_416, test.SessionCount);
    }

    [TestMethod]
    public void KeyAndIntegerColumnsKeepTheOriginalIds()
    {
        var ml = new MLContext(1);
        var rows = Rows("test");
        var view = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("ItemId").Fit(view).Transform(view); // key with KeyValues
        AssertSame(SessionFileReader.Read(TestData.Rsc15("test")), SessionDataViewReader.Read(keyed));

        var numbers = ml.Data.LoadFromEnumerable(new[]
        {
            new NumberRow { SessionId = 7, ItemId = 2, Time = 20 }, new NumberRow { SessionId = 5, ItemId = 3, Time = 10 },
            new NumberRow { SessionId = 7, ItemId = 3, Time = 15 },
        });
        var data = SessionDataViewReader.Read(numbers);
        CollectionAssert.AreEqual(new[] { "5", "7" }, data.SessionIds.ToArray());
        CollectionAssert.AreEqual(new[] { "3", "2" }, data.GetSession(1).ToArray().Select(data.Items.GetId).ToArray());
    }

    [TestMethod]
    public void MissingOrUnsupportedColumnsAreNamed()
    {
        var ml = new MLContext(1);
        var view = ml.Data.LoadFromEnumerable(Rows("test").Take(3));
        var missing = Assert.ThrowsExactly<InvalidDataException>(() => SessionDataViewReader.Read(view, new SessionFileOptions { ItemColumn = "Item" }));
        StringAssert.Contains(missing.Message, "'Item'");
        var wrongType = Assert.ThrowsExactly<InvalidDataException>(() => SessionDataViewReader.Read(view, new SessionFileOptions { ItemColumn = "Time" }));
        StringAssert.Contains(wrongType.Message, "'Time'");
        var empty = ml.Data.LoadFromEnumerable(new[] { new TextRow { SessionId = "1", ItemId = " ", Time = 1 } });
        var blank = Assert.ThrowsExactly<InvalidDataException>(() => SessionDataViewReader.Read(empty));
        StringAssert.Contains(blank.Message, "row 0");
    }

    private static void AssertSame(SessionDataset expected, SessionDataset actual)
    {
        Assert.AreEqual(expected.EventCount, actual.EventCount);
        CollectionAssert.AreEqual(expected.SessionIds.ToList(), actual.SessionIds.ToList());
        CollectionAssert.AreEqual(expected.Items.Ids.ToList(), actual.Items.Ids.ToList());
        CollectionAssert.AreEqual(expected.ItemIndices, actual.ItemIndices);
        CollectionAssert.AreEqual(expected.SessionStartTimes, actual.SessionStartTimes);
        CollectionAssert.AreEqual(expected.Items.GetSupports(), actual.Items.GetSupports());
    }
}
