using System.Globalization;
using System.Net.Http.Json;
using Microsoft.Playwright;

namespace MLNet.SessionRec.Serving.Tests;

/// <summary>
/// The demo page in headless Chromium (Debian's /usr/bin/chromium, driven by Microsoft.Playwright; no browser
/// download): search, click three items, the list changes after each click and equals the API's answer.
/// </summary>
[TestClass]
public sealed class DemoPageTests
{
    public const string Chromium = "/usr/bin/chromium";

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public async Task ClickingThreeItemsShowsTheApisListAfterEachClick()
    {
        string chromium = ServingTestEnvironment.Require(Chromium, "the demo page test drives Debian's chromium");
        await using var service = await ServiceInstance.StartAsync(ServingTestEnvironment.ModelPath);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        await page.GotoAsync(service.BaseAddress.ToString());
        await page.WaitForSelectorAsync("#catalog button.item");
        await page.WaitForSelectorAsync("#recs li");
        string sessionId = await page.InnerTextAsync("#session-id");

        // Three distinct items of a real test session (a repeated click could leave the list as it was).
        var items = ServingTestEnvironment.TestSessions(50, minLength: 3).First(s => s.Take(3).Distinct().Count() == 3);
        var previous = await ShownList(page);
        for (int i = 0; i < 3; i++)
        {
            await page.FillAsync("#search", items[i]);
            var button = page.Locator($"#catalog button.item[data-item='{items[i]}']");
            await button.WaitForAsync();
            await button.ClickAsync();
            await page.WaitForSelectorAsync($"#recs[data-events='{i + 1}']");
            var shown = await ShownList(page);
            CollectionAssert.AreNotEqual(previous.Select(x => x.Item).ToArray(), shown.Select(x => x.Item).ToArray(), $"the list changed after click {i + 1}");

            var api = await service.Client.GetFromJsonAsync<SessionResponse>($"/sessions/{sessionId}/recommendations?k=20");
            Assert.AreEqual(i + 1, api!.Length);
            CollectionAssert.AreEqual(api.Items.Select(r => r.ItemId).ToArray(), shown.Select(x => x.Item).ToArray(), $"page = API after click {i + 1}");
            CollectionAssert.AreEqual(api.Items.Select(r => r.Score.ToString("F4", CultureInfo.InvariantCulture)).ToArray(), shown.Select(x => x.Score).ToArray());
            previous = shown;
        }
        Assert.AreEqual(3, await page.Locator("#history li").CountAsync());

        string screenshot = Path.Combine(ServingTestEnvironment.RepoRoot, "TestResults", "serving", "serving-demo-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        TestContext.AddResultFile(screenshot);

        await page.ClickAsync("#reset");
        await page.WaitForFunctionAsync("() => document.querySelectorAll('#history li').length === 0 && document.querySelector('#recs').dataset.events === '0'");
        Assert.AreNotEqual(sessionId, await page.InnerTextAsync("#session-id"));
    }

    private static async Task<List<(string Item, string Score)>> ShownList(IPage page)
    {
        var rows = await page.EvalOnSelectorAllAsync<string[][]>("#recs li",
            "lis => lis.map(li => [li.dataset.item, li.querySelector('.score').textContent])");
        return rows.Select(r => (r[0], r[1])).ToList();
    }
}
