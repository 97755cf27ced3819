package org.truckeefs.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.truckeefs.api.FsException;
import org.truckeefs.api.InodeAttributes;
import org.truckeefs.api.InodeId;
import org.truckeefs.api.InodeType;
import org.truckeefs.api.Name;
import org.truckeefs.api.XattrMode;
import org.truckeefs.spi.AttrUpdate;
import org.truckeefs.spi.BlobRef;
import org.truckeefs.spi.ChunkRef;
import org.truckeefs.spi.ContentCommit;
import org.truckeefs.spi.MetadataStore;
import org.truckeefs.spi.NewInode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "load", mixinStandardHelpOptions = true,
    description = "Recreate the metadata written by `truckeefs dump` in an empty filesystem (same blob store: "
        + "chunks point at the dumped blobs). Inode numbers are new; names, hard links, attributes, xattrs and "
        + "chunk maps are kept.")
final class LoadCommand implements Callable<Integer> {
  @ParentCommand TruckeeCommand top;

  @Parameters(paramLabel = "FILE", description = "A file written by `truckeefs dump`.")
  Path file;

  @Override
  public Integer call() throws Exception {
    Settings s = top.settings();
    OfflineStores.requireUnmounted(s, "load");
    JsonNode dump = read(file);
    Map<Long, JsonNode> inodes = new HashMap<>();
    for (JsonNode n : dump.get("inodes")) {
      inodes.put(n.get("id").asLong(), n);
    }
    JsonNode root = inodes.get(InodeId.ROOT.value());
    if (root == null) {
      throw UserError.badInput(file + " has no root inode; is it a complete `truckeefs dump`?");
    }
    int count;
    try (OfflineStores st = OfflineStores.open(s)) {
      if (st.ephemeral()) {
        throw UserError.failed("metadata is in memory (memory:): a load would vanish when this command exits");
      }
      MetadataStore meta = st.metadata;
      meta.initRoot(spec(root));
      if (!meta.readDir(InodeId.ROOT, 0, 1).isEmpty()) {
        throw UserError.failed("load needs an empty filesystem, but the root of " + st.config.metadataUri().getScheme()
            + " metadata already has entries");
      }
      Map<Long, InodeId> ids = new HashMap<>();
      ids.put(InodeId.ROOT.value(), InodeId.ROOT);
      List<JsonNode> entries = new ArrayList<>();
      dump.get("entries").forEach(entries::add);
      try (Progress p = Progress.start(s, "load", entries.size())) {
        for (JsonNode e : entries) {
          InodeId parent = ids.get(e.get("parent").asLong());
          long old = e.get("inode").asLong();
          Name name = Name.of(e.get("name").asText());
          if (parent == null || !inodes.containsKey(old)) {
            throw UserError.badInput(file + ": entry " + name + " refers to an inode that is not in the dump");
          }
          InodeId existing = ids.get(old);
          if (existing != null) {
            meta.link(existing, parent, name, Instant.now());
          } else {
            ids.put(old, meta.create(parent, name, spec(inodes.get(old))).id());
          }
          p.step();
        }
      }
      for (Map.Entry<Long, InodeId> e : ids.entrySet()) {
        restore(meta, e.getValue(), inodes.get(e.getKey()));
      }
      count = ids.size();
    }
    top.spec.commandLine().getOut().println("truckeefs: loaded " + count + " inodes from " + file);
    return 0;
  }

  private static JsonNode read(Path file) {
    JsonNode dump;
    try {
      dump = new ObjectMapper().readTree(Files.newInputStream(file));
    } catch (IOException e) {
      throw UserError.badInput("cannot read " + file + " as JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (dump == null || !DumpCommand.FORMAT.equals(dump.path("format").asText())
        || dump.path("version").asInt() != DumpCommand.VERSION || !dump.has("inodes") || !dump.has("entries")) {
      throw UserError.badInput(file + " is not a `truckeefs dump` file of version " + DumpCommand.VERSION);
    }
    return dump;
  }

  private static NewInode spec(JsonNode n) throws FsException {
    InodeType type = InodeType.valueOf(n.get("type").asText());
    return new NewInode(type, n.get("mode").asInt(), n.get("uid").asInt(), n.get("gid").asInt(), n.get("rdev").asLong(),
        Instant.parse(n.get("crtime").asText()), type == InodeType.SYMLINK ? n.get("target").asText() : null);
  }

  /** Content, xattrs, then attributes last: creating children changed the directories' times. */
  private static void restore(MetadataStore meta, InodeId id, JsonNode n) throws FsException {
    if (n.has("chunks") && (n.get("chunks").size() > 0 || n.get("size").asLong() > 0)) {
      List<ChunkRef> chunks = new ArrayList<>();
      for (JsonNode c : n.get("chunks")) {
        chunks.add(new ChunkRef(c.get("index").asLong(), BlobRef.of(c.get("blob").asText()), c.get("length").asLong()));
      }
      InodeAttributes now = meta.getAttributes(id);
      meta.commitContent(new ContentCommit(id, now.version(), n.get("size").asLong(), chunks, Long.MAX_VALUE,
          Instant.parse(n.get("mtime").asText()), 0));
    }
    var x = n.get("xattrs").fields();
    while (x.hasNext()) {
      var e = x.next();
      meta.setXattr(id, e.getKey(), Base64.getDecoder().decode(e.getValue().asText()), XattrMode.EITHER, Instant.now());
    }
    meta.setAttributes(id, new AttrUpdate(n.get("mode").asInt(), n.get("uid").asInt(), n.get("gid").asInt(),
        Instant.parse(n.get("atime").asText()), Instant.parse(n.get("mtime").asText()), Instant.parse(n.get("ctime").asText())));
  }
}
