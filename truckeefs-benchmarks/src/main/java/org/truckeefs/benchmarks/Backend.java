package org.truckeefs.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import org.truckeefs.api.FileSystem;
import org.truckeefs.api.OpenFlags;
import org.truckeefs.api.PathFileSystem;
import org.truckeefs.core.RiverFS;
import org.truckeefs.core.RiverFsConfig;

/**
 * Where a benchmark's files live: an in-process RiverFS on embedded backends, or plain java.nio, both under the same
 * base directory so they share a disk. Paths are absolute within the backend ("/dir/file").
 */
abstract class Backend implements AutoCloseable {

  /** An open file; {@link #close()} is the close(2). */
  interface Handle extends AutoCloseable {
    int read(long offset, ByteBuffer dst) throws IOException;

    int write(long offset, ByteBuffer src) throws IOException;

    /** Data stored durably: in the blob store for RiverFS, on disk for java.nio. */
    void fsync() throws IOException;

    @Override
    void close() throws IOException;
  }

  static Backend create(String name) throws IOException {
    Path dir = scratchDir(name);
    return switch (name) {
      case "riverfs" -> new River(dir, "memory:");
      case "riverfs-sqlite" -> new River(dir, "sqlite:" + dir.resolve("metadata.db").toAbsolutePath());
      case "nio" -> new Nio(dir);
      default -> throw new IllegalArgumentException("unknown backend " + name + " (riverfs, riverfs-sqlite or nio)");
    };
  }

  /**
   * A new directory for one trial under {@code -Dtruckeefs.bench.dir} (default: the temp directory), so every
   * benchmark's files are on the disk the caller chose.
   */
  static Path scratchDir(String name) throws IOException {
    Path base = Path.of(System.getProperty("truckeefs.bench.dir", System.getProperty("java.io.tmpdir")));
    Files.createDirectories(base);
    return Files.createTempDirectory(base, "truckeefs-bench-" + name + "-");
  }

  /** Deletes {@code dir} and everything below it. */
  static void deleteTree(Path dir) throws IOException {
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.delete(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  final Path dir;

  Backend(Path dir) {
    this.dir = dir;
  }

  abstract void mkdir(String path) throws IOException;

  /** Creates an empty file and closes it. */
  abstract void createEmpty(String path) throws IOException;

  /** The file's size, from a stat. */
  abstract long stat(String path) throws IOException;

  abstract Handle openRead(String path) throws IOException;

  /** Creates or truncates {@code path} for writing. */
  abstract Handle openWrite(String path) throws IOException;

  abstract void delete(String path) throws IOException;

  @Override
  public void close() throws IOException {
    deleteTree(dir);
  }

  /** RiverFS: in-memory metadata, local blob directory, in-JVM coordination, cache on the same disk. */
  static final class River extends Backend {
    private final FileSystem fs;
    private final PathFileSystem paths;

    /** @param metadata memory:, or sqlite:/path for the embedded defaults' store */
    River(Path dir, String metadata) throws IOException {
      super(dir);
      RiverFsConfig config = RiverFsConfig.builder()
          .dataDir(dir.resolve("data"))
          .cacheDir(dir.resolve("cache"))
          .metadataUri(metadata)
          .blobUri("local:" + dir.resolve("blobs").toAbsolutePath())
          .coordinatorUri("local:")
          // Deleted benchmark files release their blobs quickly, so repeated 256 MiB writes do not fill the disk.
          .blobGcGrace(Duration.ZERO)
          .blobGcInterval(Duration.ofSeconds(1))
          .build();
      fs = RiverFS.open(config);
      paths = new PathFileSystem(fs);
    }

    @Override
    void mkdir(String path) throws IOException {
      paths.mkdir(path);
    }

    @Override
    void createEmpty(String path) throws IOException {
      long h = paths.open(path, OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_EXCL), 0644).handle();
      fs.flush(h);
      fs.release(h);
    }

    @Override
    long stat(String path) throws IOException {
      return paths.stat(path).size();
    }

    @Override
    Handle openRead(String path) throws IOException {
      return handle(paths.open(path, OpenFlags.READ).handle());
    }

    @Override
    Handle openWrite(String path) throws IOException {
      return handle(paths.open(path, OpenFlags.WRITE.with(OpenFlags.O_CREAT | OpenFlags.O_TRUNC), 0644).handle());
    }

    private Handle handle(long h) {
      return new Handle() {
        @Override
        public int read(long offset, ByteBuffer dst) throws IOException {
          return fs.read(h, offset, dst);
        }

        @Override
        public int write(long offset, ByteBuffer src) throws IOException {
          return fs.write(h, offset, src);
        }

        @Override
        public void fsync() throws IOException {
          fs.fsync(h, false);
        }

        @Override
        public void close() throws IOException {
          fs.flush(h);
          fs.release(h);
        }
      };
    }

    @Override
    void delete(String path) throws IOException {
      paths.delete(path);
    }

    @Override
    public void close() throws IOException {
      fs.close();
      super.close();
    }
  }

  /** Plain java.nio on the same disk. */
  static final class Nio extends Backend {
    Nio(Path dir) {
      super(dir);
    }

    private Path p(String path) {
      return dir.resolve(path.substring(1));
    }

    @Override
    void mkdir(String path) throws IOException {
      Files.createDirectory(p(path));
    }

    @Override
    void createEmpty(String path) throws IOException {
      FileChannel.open(p(path), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
    }

    @Override
    long stat(String path) throws IOException {
      return Files.readAttributes(p(path), BasicFileAttributes.class).size();
    }

    @Override
    Handle openRead(String path) throws IOException {
      return handle(FileChannel.open(p(path), StandardOpenOption.READ));
    }

    @Override
    Handle openWrite(String path) throws IOException {
      return handle(FileChannel.open(p(path), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING));
    }

    private static Handle handle(FileChannel ch) {
      return new Handle() {
        @Override
        public int read(long offset, ByteBuffer dst) throws IOException {
          return ch.read(dst, offset);
        }

        @Override
        public int write(long offset, ByteBuffer src) throws IOException {
          return ch.write(src, offset);
        }

        @Override
        public void fsync() throws IOException {
          ch.force(false);
        }

        @Override
        public void close() throws IOException {
          ch.close();
        }
      };
    }

    @Override
    void delete(String path) throws IOException {
      Files.delete(p(path));
    }
  }
}
