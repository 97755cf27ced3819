package org.truckeefs.fuse;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import org.truckeefs.api.FsError;
import org.truckeefs.api.FsException;

/**
 * Picks the FUSE adapter: the libfuse 3 low-level adapter (FFM, {@code truckeefs-fuse-ffm}) when this JVM is Java
 * 22+ and libfuse 3 loads, else the jnr-fuse adapter over libfuse 2, with a one-line notice saying why.
 * {@code --fuse-api=lowlevel|jnr} forces one; a forced adapter that cannot run here is a one-line error.
 */
public final class FuseAdapters {
  /** Selects the adapter by what this machine offers. */
  public static final String AUTO = "auto";
  /** The FFM adapter over libfuse 3's low-level API. */
  public static final String LOWLEVEL = "lowlevel";
  /** The jnr-fuse adapter over libfuse 2. */
  public static final String JNR = JnrAdapter.NAME;
  /** The first Java whose {@code java.lang.foreign} is final. */
  static final int FFM_JAVA = 22;

  private FuseAdapters() {}

  /**
   * The adapter {@code api} names ({@link #AUTO}, {@link #LOWLEVEL} or {@link #JNR}); {@code notice} receives the
   * one line that says why {@code auto} fell back to jnr-fuse.
   */
  public static FuseAdapter select(String api, Consumer<String> notice) throws FsException {
    return select(api, Runtime.version().feature(), notice);
  }

  static FuseAdapter select(String api, int javaFeature, Consumer<String> notice) throws FsException {
    String which = api == null ? AUTO : api.trim().toLowerCase(Locale.ROOT);
    switch (which) {
      case JNR:
        return new JnrAdapter();
      case LOWLEVEL: {
        List<String> why = new ArrayList<>();
        FuseAdapter a = lowLevel(javaFeature, why);
        if (a == null) {
          throw new FsException(FsError.UNSUPPORTED, "--fuse-api=lowlevel cannot run here: " + why.get(0));
        }
        return a;
      }
      case AUTO: {
        List<String> why = new ArrayList<>();
        FuseAdapter a = lowLevel(javaFeature, why);
        if (a != null) {
          return a;
        }
        notice.accept("truckeefs: using the jnr-fuse (libfuse 2) adapter: " + why.get(0));
        return new JnrAdapter();
      }
      default:
        throw new FsException(FsError.INVALID, "unknown FUSE API '" + api + "': use auto, lowlevel or jnr");
    }
  }

  /** The low-level adapter, or null with the reason added to {@code why}. */
  private static FuseAdapter lowLevel(int javaFeature, List<String> why) {
    if (javaFeature < FFM_JAVA) {
      why.add("the libfuse 3 adapter needs Java " + FFM_JAVA + "+ and this is Java " + javaFeature
          + " (the ./truckeefs launcher picks a newer JDK when one is installed)");
      return null;
    }
    try {
      for (FuseAdapter a : ServiceLoader.load(FuseAdapter.class, FuseAdapters.class.getClassLoader())) {
        if (a.name().equals(LOWLEVEL)) {
          List<String> problems = a.problems();
          if (problems.isEmpty()) {
            return a;
          }
          why.add(problems.get(0));
          return null;
        }
      }
    } catch (ServiceConfigurationError | LinkageError e) {
      why.add("the libfuse 3 adapter does not load: " + e.getMessage());
      return null;
    }
    why.add("the libfuse 3 adapter (module truckeefs-fuse-ffm) is not on the class path");
    return null;
  }
}
