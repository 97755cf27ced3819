package org.truckeefs.nio;

import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;

/**
 * Owners are numeric uids and gids: the filesystem is shared by hosts whose user databases may differ, so a name
 * would mean different people on each. {@code root} is accepted for 0; any other name must be a number.
 */
final class Principals {
  private Principals() {}

  static final UserPrincipalLookupService LOOKUP = new UserPrincipalLookupService() {
    @Override
    public UserPrincipal lookupPrincipalByName(String name) throws UserPrincipalNotFoundException {
      return new User(parse(name));
    }

    @Override
    public GroupPrincipal lookupPrincipalByGroupName(String group) throws UserPrincipalNotFoundException {
      return new Group(parse(group));
    }
  };

  static int parse(String name) throws UserPrincipalNotFoundException {
    if (name.equals("root")) {
      return 0;
    }
    try {
      int id = Integer.parseInt(name);
      if (id < 0) {
        throw new UserPrincipalNotFoundException(name);
      }
      return id;
    } catch (NumberFormatException e) {
      throw new UserPrincipalNotFoundException(name);
    }
  }

  static int id(UserPrincipal p) throws UserPrincipalNotFoundException {
    if (p instanceof User u) {
      return u.id;
    }
    if (p instanceof Group g) {
      return g.id;
    }
    return parse(p.getName());
  }

  record User(int id) implements UserPrincipal {
    @Override
    public String getName() {
      return id == 0 ? "root" : Integer.toString(id);
    }

    @Override
    public String toString() {
      return getName();
    }
  }

  record Group(int id) implements GroupPrincipal {
    @Override
    public String getName() {
      return id == 0 ? "root" : Integer.toString(id);
    }

    @Override
    public String toString() {
      return getName();
    }
  }
}
