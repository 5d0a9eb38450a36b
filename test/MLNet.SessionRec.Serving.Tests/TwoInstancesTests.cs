using System.Net;
using System.Net.Http.Json;
using Microsoft.ML;

namespace MLNet.SessionRec.Serving.Tests;

/// <summary>
/// Two instances of the service on two local ports sharing one Redis (as behind a load balancer), and Redis stopped and
/// restarted under a running instance.
/// </summary>
[TestClass]
public sealed class TwoInstancesTests
{
    [TestMethod]
    public async Task AlternatingEventsEqualOneInProcessRecommenderEventByEvent()
    {
        using var redis = new RedisServerProcess();
        string[] shared = ["--Serving:ModelName=two-instances"];
        await using var a = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath, redis.Configuration, shared);
        await using var b = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath, redis.Configuration, shared);
        using var reference = SessionRecommender.Load(new MLContext(seed: 0), ServingTestEnvironment.ModelPath);

        int events = 0;
        foreach (var (items, s) in ServingTestEnvironment.TestSessions(8, minLength: 4).Select((x, i) => (x, i)))
        {
            using var expected = reference.StartSession();
            for (int i = 0; i < items.Length; i++, events++)
            {
                var instance = (events % 2 == 0) ? a : b;   // every event goes to the other instance than the one before
                expected.Add(items[i]);
                var answer = await ApiTestsBase.PostEvent(instance.Client, $"visitor-{s}", items[i]);
                ApiTestsBase.AssertSameList(expected.Recommend(20), answer);
                Assert.AreEqual(expected.Length, answer.Length);
            }
            var fromOther = await ((events % 2 == 0) ? a : b).Client.GetFromJsonAsync<SessionResponse>($"/sessions/visitor-{s}/recommendations?k=20");
            ApiTestsBase.AssertSameList(expected.Recommend(20), fromOther!);
        }
        Assert.IsGreaterThanOrEqualTo(32, events);
    }

    [TestMethod]
    public async Task ConcurrentEventsThroughBothInstancesAreNeverLost()
    {
        using var redis = new RedisServerProcess();
        string[] shared = ["--Serving:ModelName=two-concurrent", "--Serving:SessionRequestLimit=1000"];
        await using var a = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath, redis.Configuration, shared);
        await using var b = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath, redis.Configuration, shared);
        var items = ServingTestEnvironment.TestSessions(1, minLength: 3)[0];
        await Task.WhenAll(Enumerable.Range(0, 60).Select(i =>
            ApiTestsBase.PostEvent(i % 2 == 0 ? a.Client : b.Client, "contended", items[i % items.Length])));
        var after = await a.Client.GetFromJsonAsync<SessionResponse>("/sessions/contended/recommendations");
        Assert.AreEqual(60, after!.Length, "every event of both instances is in the session");
        string metrics = await a.Client.GetStringAsync("/metrics") + await b.Client.GetStringAsync("/metrics");
        StringAssert.Contains(metrics, "sessionrec_store_conflicts_total", "the instances did race (and re-applied)");
    }

    [TestMethod]
    public async Task RedisStoppedAndRestarted503sThenCorrectAnswers()
    {
        using var redis = new RedisServerProcess();
        await using var service = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath, redis.Configuration, "--Serving:ModelName=outage");
        using var reference = SessionRecommender.Load(new MLContext(seed: 0), ServingTestEnvironment.ModelPath);
        var items = ServingTestEnvironment.TestSessions(1, minLength: 5)[0];
        using var expected = reference.StartSession();
        for (int i = 0; i < 2; i++)
        {
            expected.Add(items[i]);
            ApiTestsBase.AssertSameList(expected.Recommend(20), await ApiTestsBase.PostEvent(service.Client, "o1", items[i]));
        }

        redis.Stop();
        for (int i = 0; i < 3; i++)
        {
            var down = await service.Client.PostAsJsonAsync("/sessions/o1/events", new { itemId = items[2] });
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, down.StatusCode);
            Assert.AreEqual("application/problem+json", down.Content.Headers.ContentType?.MediaType);
            StringAssert.Contains(await down.Content.ReadAsStringAsync(), "Session store unavailable");
            Assert.AreEqual(HttpStatusCode.ServiceUnavailable, (await service.Client.GetAsync("/sessions/o1/recommendations")).StatusCode);
        }
        Assert.AreEqual(HttpStatusCode.OK, (await service.Client.GetAsync("/healthz")).StatusCode, "the process lives on");

        redis.Start();
        SessionResponse? answer = null;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (answer == null)
        {
            var response = await service.Client.PostAsJsonAsync("/sessions/o1/events", new { itemId = items[2] });
            if (response.IsSuccessStatusCode) answer = await response.Content.ReadFromJsonAsync<SessionResponse>();
            else
            {
                Assert.AreEqual(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                if (DateTime.UtcNow > deadline) Assert.Fail("The service did not recover within 30 s of Redis coming back.");
                await Task.Delay(200);
            }
        }
        expected.Add(items[2]);   // the events refused with 503 were not applied; the two before the outage were kept
        ApiTestsBase.AssertSameList(expected.Recommend(20), answer!);
        Assert.AreEqual(3, answer!.Length);
        expected.Add(items[3]);
        ApiTestsBase.AssertSameList(expected.Recommend(20), await ApiTestsBase.PostEvent(service.Client, "o1", items[3]));
    }
}
