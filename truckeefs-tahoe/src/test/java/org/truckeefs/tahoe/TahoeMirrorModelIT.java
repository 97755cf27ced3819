package org.truckeefs.tahoe;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import org.junit.jupiter.api.AutoClose;
import org.truckeefs.api.FileSystem;
import org.truckeefs.testkit.fs.AbstractModelBasedSuite;
import org.truckeefs.testkit.tahoe.TahoeGatewayEmulator;

/**
 * The model-based suite with the Tahoe store (MIRROR) on the gateway emulator (one seed; FLAT and core run more).
 * When the suite closes the filesystem, the tree under rootcap must show exactly the namespace and the bytes.
 */
class TahoeMirrorModelIT extends AbstractModelBasedSuite {
  @AutoClose
  private static final TahoeGatewayEmulator gw = TahoeGatewayEmulator.start();

  @Override
  protected FileSystem createFileSystem(Path dir) throws Exception {
    TahoeRiverFs harness = new TahoeRiverFs(gw, dir, "backend_storage_strategy", "MIRROR");
    FileSystem real = harness.open();
    return (FileSystem) Proxy.newProxyInstance(FileSystem.class.getClassLoader(), new Class<?>[] {FileSystem.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(real, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (method.getName().equals("close") && method.getParameterCount() == 0) {
            assertThat(MirrorCheck.actual(gw, harness.rootcap))
                .as("the tree under rootcap after the run")
                .isEqualTo(MirrorCheck.expected(harness.meta, gw, 256 * 1024));
          }
          return result;
        });
  }

  @Override
  protected long[] seeds() {
    return new long[] {21};
  }
}
