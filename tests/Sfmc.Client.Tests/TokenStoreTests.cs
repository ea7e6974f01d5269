using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Sfmc.Client.Tests.DataExtensions;
using Sfmc.Emulator;
using Sfmc.Tests.Shared;
using Xunit;

namespace Sfmc.Client.Tests;

/// <summary>Several processes share one token through an IDistributedCache (Redis in production).</summary>
public sealed class TokenStoreTests
{
    [Fact]
    public async Task Two_processes_share_one_token_through_a_distributed_cache()
    {
        var cache = new MemoryDistributedCache(Microsoft.Extensions.Options.Options.Create(new Microsoft.Extensions.Caching.Memory.MemoryDistributedCacheOptions()));
        await AssertSharedAsync(services => services.AddSingleton<IDistributedCache>(cache));
    }

    [RedisFact]
    public async Task Two_processes_share_one_token_through_redis()
    {
        await using var redis = await RedisServer.StartAsync();
        await AssertSharedAsync(services => services.AddStackExchangeRedisCache(o => o.Configuration = redis.Endpoint));
    }

    private static async Task AssertSharedAsync(Action<IServiceCollection> addCache)
    {
        await using var emulator = await SfmcEmulator.StartAsync(o => o.DataExtensions.Add(OrderLinesRow.Schema));

        async Task<SfmcToken> RunProcessAsync()
        {
            var services = new ServiceCollection();
            addCache(services);
            services.AddSingleton<ISfmcTokenStore, DistributedCacheSfmcTokenStore>();
            services.AddSfmc(o => TestHost.Configure(o, emulator));
            await using var provider = services.BuildServiceProvider();
            var result = await provider.GetRequiredService<SfmcClient>().DataExtension<OrderLinesRow>()
                .UpsertAsync(new[] { new OrderLinesRow { OrderId = "A", LineNo = 1, Sku = "s", UnitPrice = 1m } });
            Assert.True(result.Succeeded);
            return await provider.GetRequiredService<SfmcClientFactory>().GetTokenProvider("").GetTokenAsync(null, CancellationToken.None);
        }

        var first = await RunProcessAsync();
        var second = await RunProcessAsync();

        Assert.Equal(1, emulator.TokenRequests);
        Assert.Equal(first.AccessToken, second.AccessToken);
        Assert.Equal(first.ExpiresAt.ToUnixTimeMilliseconds(), second.ExpiresAt.ToUnixTimeMilliseconds());
        Assert.Equal(first.RestInstanceUrl, second.RestInstanceUrl);
    }
}
