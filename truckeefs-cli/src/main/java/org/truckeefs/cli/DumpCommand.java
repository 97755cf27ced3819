package org.truckeefs.cli;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Callable;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.MetadataStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * Writes the metadata tree as JSON: {@code {"format":"truckeefs-dump","version":1,"inodes":[...]}}, each inode with
 * its attributes, xattrs (base64), symlink target, chunks (blob references) and its entries (name -> inode), parents
 * before children. Blob references can be Tahoe capabilities, which are secrets: the file is created with mode 0600.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
    description = "Write the metadata (tree, attributes, xattrs, chunk maps) as JSON to FILE (mode 0600: it holds blob capabilities).")
final class DumpCommand implements Callable<Integer> {
  static final String FORMAT = "truckeefs-dump";
  static final int VERSION = 1;

  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "FILE", description = "The JSON file to write (- for standard output).")
  String file;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    int count;
    try (OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): there is nothing persistent to dump");
      }
      JsonFactory json = new JsonFactory();
      if (file.equals("-")) {
        try (JsonGenerator g = json.createGenerator(System.out, JsonEncoding.UTF8)) {
          g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
          count = write(g, st, s);
        }
      } else {
        Path out = Path.of(file);
        Files.deleteIfExists(out);
        Files.createFile(out, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (JsonGenerator g = json.createGenerator(Files.newOutputStream(out, StandardOpenOption.WRITE), JsonEncoding.UTF8)) {
          count = write(g, st, s);
        }
      }
    }
    if (!file.equals("-")) {
      top.spec.commandLine().getOut().println("truckeefs: dumped " + count + " inodes to " + file);
    }
    return 0;
  }

  private static int write(JsonGenerator g, OfflineStores st, Settings s) throws IOException, FsException {
    g.useDefaultPrettyPrinter();
    g.writeStartObject();
    g.writeStringField("format", FORMAT);
    g.writeNumberField("version", VERSION);
    g.writeNumberField("chunk_size", st.config.chunkSize());
    g.writeStringField("dumped_at", Instant.now().toString());
    g.writeArrayFieldStart("inodes");
    Set<InodeId> seen = new HashSet<>();
    int[] count = {0};
    try (Progress p = Progress.start(s, "dump", -1)) {
      writeInode(g, st.metadata, st.metadata.getAttributes(InodeId.ROOT));
      seen.add(InodeId.ROOT);
      count[0]++;
      // Breadth first: an inode is written when first reached, so its parent directory is always before it.
      TreeWalk.walk(st.metadata, e -> {
        if (seen.add(e.inode())) {
          try {
            writeInode(g, st.metadata, st.metadata.getAttributes(e.inode()));
          } catch (IOException x) {
            throw new java.io.UncheckedIOException(x);
          }
          count[0]++;
          p.step();
        }
      });
    }
    g.writeEndArray();
    g.writeArrayFieldStart("entries");
    TreeWalk.walk(st.metadata, e -> {
      try {
        g.writeStartObject();
        g.writeNumberField("parent", e.parent().value());
        g.writeStringField("name", e.name().toString());
        g.writeNumberField("inode", e.inode().value());
        g.writeEndObject();
      } catch (IOException x) {
        throw new java.io.UncheckedIOException(x);
      }
    });
    g.writeEndArray();
    g.writeEndObject();
    return count[0];
  }

  private static void writeInode(JsonGenerator g, MetadataStore meta, InodeAttributes a) throws IOException, FsException {
    g.writeStartObject();
    g.writeNumberField("id", a.id().value());
    g.writeStringField("type", a.type().name());
    g.writeNumberField("mode", a.mode());
    g.writeNumberField("uid", a.uid());
    g.writeNumberField("gid", a.gid());
    g.writeNumberField("size", a.size());
    g.writeNumberField("nlink", a.nlink());
    g.writeNumberField("rdev", a.rdev());
    g.writeStringField("atime", a.atime().toString());
    g.writeStringField("mtime", a.mtime().toString());
    g.writeStringField("ctime", a.ctime().toString());
    g.writeStringField("crtime", a.crtime().toString());
    if (a.isSymlink()) {
      g.writeStringField("target", meta.readSymlink(a.id()));
    }
    g.writeObjectFieldStart("xattrs");
    for (String name : meta.listXattr(a.id())) {
      byte[] v = meta.getXattr(a.id(), name).orElse(new byte[0]);
      g.writeStringField(name, Base64.getEncoder().encodeToString(v));
    }
    g.writeEndObject();
    if (a.isFile()) {
      g.writeArrayFieldStart("chunks");
      for (ChunkRef c : meta.chunks(a.id())) {
        g.writeStartObject();
        g.writeNumberField("index", c.index());
        g.writeStringField("blob", c.blob().value());
        g.writeNumberField("length", c.length());
        g.writeEndObject();
      }
      g.writeEndArray();
    }
    g.writeEndObject();
  }
}
