MLNet.SessionRec.Serving.ServingApp.Create(args).Run();

/// <summary>The entry point (public for WebApplicationFactory).</summary>
public partial class Program;
