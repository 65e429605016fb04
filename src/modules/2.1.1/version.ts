/** The OCPI version of this folder: every path, descriptor and version detail of it is built from here. */
export const OCPI_VERSION = '2.1.1';
