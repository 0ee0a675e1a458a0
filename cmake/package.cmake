# Installation layout and .deb/.rpm packages (CPack), built by scripts/package.
include(GNUInstallDirs)
set(man_dir ${CMAKE_BINARY_DIR}/man)
add_custom_command(
  OUTPUT ${man_dir}/tenantca.1.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${man_dir}
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:tenantca> -DOUTPUT_DIR=${man_dir} -DVERSION=${PROJECT_VERSION}
          -P ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  DEPENDS tenantca ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  COMMENT "Generating tenantca.1 from --help")
add_custom_target(manpage ALL DEPENDS ${man_dir}/tenantca.1.gz)

set(changelog_gz ${CMAKE_BINARY_DIR}/changelog.gz)
add_custom_command(
  OUTPUT ${changelog_gz}
  COMMAND gzip -9nc ${CMAKE_SOURCE_DIR}/packaging/changelog > ${changelog_gz}
  DEPENDS ${CMAKE_SOURCE_DIR}/packaging/changelog)
add_custom_target(changelog ALL DEPENDS ${changelog_gz})

install(TARGETS tenantca RUNTIME DESTINATION bin)
install(DIRECTORY db/migrations/ DESTINATION share/tenantca/migrations)
install(FILES ${man_dir}/tenantca.1.gz DESTINATION share/man/man1)
install(FILES systemd/tenantca.service DESTINATION lib/systemd/system)
install(FILES systemd/tenantca.sysusers DESTINATION lib/sysusers.d RENAME tenantca.conf)
install(FILES systemd/tenantca.tmpfiles DESTINATION lib/tmpfiles.d RENAME tenantca.conf)
install(FILES systemd/tenantca.sysctl DESTINATION lib/sysctl.d RENAME 60-tenantca.conf)
install(FILES packaging/copyright DESTINATION share/doc/tenantca)
install(FILES ${changelog_gz} DESTINATION share/doc/tenantca)
install(FILES README.md docs/configuration.md docs/process-model.md docs/scaling.md docs/openapi.yaml
              docs/operations.md docs/production.md docs/policy.md docs/tutorial.md docs/alerts.yml
              docs/pitfalls.md docs/architecture.md
        DESTINATION share/doc/tenantca)
install(FILES packaging/tenantca.toml DESTINATION /etc/tenantca)

set(CPACK_PACKAGE_NAME tenantca)
set(CPACK_PACKAGE_VENDOR "tenantca")
set(CPACK_PACKAGE_CONTACT "tenantca maintainers <maintainers@tenantca.dev>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "multi-tenant private certificate authority and certificate inventory")
set(CPACK_PACKAGE_DESCRIPTION "tenantca serves a REST API for tenant CAs, certificate issuance,\nrevocation, CRL and OCSP from a preforking daemon backed by PostgreSQL.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_SOURCE_DIR}/dist)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, passwd")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "postgresql")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA "${CMAKE_BINARY_DIR}/deb/conffiles;${CMAKE_BINARY_DIR}/deb/postinst;${CMAKE_BINARY_DIR}/deb/prerm")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/deb)
file(WRITE ${CMAKE_BINARY_DIR}/deb/conffiles "/etc/tenantca/tenantca.toml\n")
file(COPY ${CMAKE_SOURCE_DIR}/packaging/postinst ${CMAKE_SOURCE_DIR}/packaging/prerm DESTINATION ${CMAKE_BINARY_DIR}/deb
     FILE_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

set(CPACK_RPM_FILE_NAME "tenantca-${PROJECT_VERSION}.x86_64.rpm")
set(CPACK_RPM_PACKAGE_LICENSE "Apache-2.0")
set(CPACK_RPM_PACKAGE_GROUP "System Environment/Daemons")
set(CPACK_RPM_PACKAGE_AUTOREQ ON)
set(CPACK_RPM_PACKAGE_REQUIRES "shadow-utils")
set(CPACK_RPM_POST_INSTALL_SCRIPT_FILE ${CMAKE_SOURCE_DIR}/packaging/postinst)
set(CPACK_RPM_PRE_UNINSTALL_SCRIPT_FILE ${CMAKE_SOURCE_DIR}/packaging/prerm)
set(CPACK_RPM_USER_FILELIST "%config(noreplace) /etc/tenantca/tenantca.toml")
set(CPACK_RPM_EXCLUDE_FROM_AUTO_FILELIST_ADDITION /etc /usr/lib/systemd /usr/lib/systemd/system /usr/lib/sysusers.d /usr/lib/tmpfiles.d /usr/lib/sysctl.d /usr/share/man /usr/share/man/man1)
include(CPack)
