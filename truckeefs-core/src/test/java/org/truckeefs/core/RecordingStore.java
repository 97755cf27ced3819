package org.truckeefs.core;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import org.truckeefs.spi.MetadataStore;

/** A metadata store that adds the name of each SPI call it gets to a list, then forwards it (errors unchanged). */
final class RecordingStore {
  private RecordingStore() {}

  static MetadataStore of(MetadataStore target, List<String> calls) {
    return (MetadataStore) Proxy.newProxyInstance(MetadataStore.class.getClassLoader(),
        new Class<?>[] {MetadataStore.class}, (proxy, m, args) -> {
          calls.add(m.getName());
          try {
            return m.invoke(target, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
