package org.truckeefs.redis;

import java.util.List;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.config.Config;

/** Deletes the keys of test namespaces on the shared Redis (by prefix; never FLUSHDB). */
final class RedisTestKeys {
  private RedisTestKeys() {}

  static RedissonClient client(int port) {
    Config c = new Config();
    c.setCodec(StringCodec.INSTANCE);
    c.setNettyThreads(2);
    c.setThreads(1);
    c.useSingleServer().setAddress("redis://127.0.0.1:" + port).setConnectionMinimumIdleSize(1)
        .setConnectionPoolSize(2).setSubscriptionConnectionMinimumIdleSize(0);
    return Redisson.create(c);
  }

  static void deleteNamespaces(List<String> namespaces) {
    if (namespaces.isEmpty()) {
      return;
    }
    RedissonClient r = client(6379);
    try {
      for (String ns : namespaces) {
        r.getKeys().deleteByPattern("truckeefs:{" + ns + "}:*");
      }
    } finally {
      r.shutdown();
    }
  }

  static long countKeys(String namespace) {
    RedissonClient r = client(6379);
    try {
      return r.getKeys().getKeysStreamByPattern("truckeefs:{" + namespace + "}:*").count();
    } finally {
      r.shutdown();
    }
  }
}
