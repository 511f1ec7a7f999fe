namespace CommerceServices.Platform.Registry;

public static class DataSpaceEvents
{
    /// <summary>The environment of a data space's events: a testing data space is the sandbox's, a production one production's.</summary>
    public static string EventEnvironment(this DataSpaceType type) => type == DataSpaceType.Production ? "production" : "sandbox";
}
