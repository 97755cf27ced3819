package org.truckeefs.fuse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** getxattr/setxattr/listxattr/removexattr(2), including the size-0 probe and ERANGE. */
class XattrIT {
  @RegisterExtension static final FuseMountExtension mnt = new FuseMountExtension();
  final FsAgent root = mnt.root();
  static final int XATTR_CREATE = 1;
  static final int XATTR_REPLACE = 2;

  private String file(String path, int mode) {
    root.ok("close", root.ok("open", path, new String[] {"O_CREAT", "O_WRONLY"}, mode).asInt());
    root.ok("chmod", path, mode);
    return path;
  }

  @Test
  void setGetListRemove() {
    String f = file(mnt.newDir() + "/f", 0644);
    root.ok("setxattr", f, "user.color", "blue");
    root.ok("setxattr", f, "user.empty", "");
    assertThat(root.ok("getxattr", f, "user.color").asText()).isEqualTo("blue");
    assertThat(root.ok("getxattr", f, "user.empty").asText()).isEmpty();
    assertThat(root.ok("listxattr", f).toString()).isEqualTo("[\"user.color\",\"user.empty\"]");
    root.ok("removexattr", f, "user.color");
    assertThat(root.err("getxattr", f, "user.color")).isEqualTo("ENODATA");
    assertThat(root.err("removexattr", f, "user.color")).isEqualTo("ENODATA");
  }

  @Test
  void sizeProbeAndRange() {
    String f = file(mnt.newDir() + "/f", 0644);
    root.ok("setxattr", f, "user.k", "0123456789");
    assertThat(root.ok("getxattr_sized", f, "user.k", 0).asInt()).isEqualTo(10);
    assertThat(root.ok("getxattr_sized", f, "user.k", 10).asText()).isEqualTo("0123456789");
    assertThat(root.err("getxattr_sized", f, "user.k", 4)).isEqualTo("ERANGE");
    assertThat(root.ok("listxattr_size", f).asInt()).isEqualTo("user.k\0".length());
  }

  @Test
  void createAndReplaceFlags() {
    String f = file(mnt.newDir() + "/f", 0644);
    assertThat(root.err("setxattr", f, "user.a", "1", XATTR_REPLACE)).isEqualTo("ENODATA");
    root.ok("setxattr", f, "user.a", "1", XATTR_CREATE);
    assertThat(root.err("setxattr", f, "user.a", "2", XATTR_CREATE)).isEqualTo("EEXIST");
    root.ok("setxattr", f, "user.a", "3", XATTR_REPLACE);
    assertThat(root.ok("getxattr", f, "user.a").asText()).isEqualTo("3");
  }

  @Test
  void posixAclsAreNotSupportedSoToolsFallBackToChmod() {
    String f = file(mnt.newDir() + "/f", 0644);
    // A valid minimal ACL (user::rw- group::r-- other::r--), so the kernel passes it on instead of refusing it.
    String acl = "\u0002\0\0\0" + entry(1, 6) + entry(4, 4) + entry(0x20, 4);
    assertThat(root.err("setxattr", f, "system.posix_acl_access", acl)).isIn("EOPNOTSUPP", "ENOTSUP");
    assertThat(root.err("getxattr", f, "system.posix_acl_access")).isIn("EOPNOTSUPP", "ENOTSUP");
    assertThat(root.err("getxattr", f, "security.selinux")).isIn("EOPNOTSUPP", "ENOTSUP");
    assertThat(root.ok("listxattr", f).toString()).isEqualTo("[]");
  }

  private static String entry(int tag, int perm) {
    return "" + (char) tag + (char) (tag >> 8) + (char) perm + "\0" + "\u00ff\u00ff\u00ff\u00ff";
  }

  @Test
  void worksOnDirectoriesAndNeedsWriteAccess() {
    String d = mnt.newDir();
    root.ok("setxattr", d, "user.dir", "yes");
    assertThat(root.ok("getxattr", d, "user.dir").asText()).isEqualTo("yes");
    String f = file(d + "/f", 0644);
    root.ok("setxattr", f, "user.k", "v");
    try (FsAgent user = FsAgent.user(FuseMountExtension.USER, FuseMountExtension.USER)) {
      assertThat(user.ok("getxattr", f, "user.k").asText()).isEqualTo("v");
      assertThat(user.err("setxattr", f, "user.k", "x")).isEqualTo("EACCES");
    }
    assertThat(root.ok("getxattr", f, "user.k").asText()).isEqualTo("v");
    assertThat(root.err("getxattr", d + "/missing", "user.k")).isEqualTo("ENOENT");
  }
}
