import path from 'node:path'
import { FuseV1Options, FuseVersion, flipFuses, type FuseV1Config } from '@electron/fuses'
import { Arch, type AfterPackContext } from 'electron-builder'

/**
 * Electron Fuses: switches compiled into the Electron binary, flipped in the
 * packaged copy after electron-builder lays it out and before it is signed.
 * They close what a trainee or malware could otherwise use to run the app's
 * privileged main process as something else.
 */
export const FUSES = {
  version: FuseVersion.V1,
  // ELECTRON_RUN_AS_NODE would turn the signed app into a plain Node.
  [FuseV1Options.RunAsNode]: false,
  // NODE_OPTIONS could preload any script into main.
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  // --inspect would open a debugger on main.
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Only app.asar, never a loose app/ folder dropped beside it.
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  // app.asar must match the hash electron-builder embeds (macOS and Windows).
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  // Cookies encrypted at rest with the OS keychain.
  [FuseV1Options.EnableCookieEncryption]: true,
  // The app loads app://, never file://, so file:// pages get no extra privileges.
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} satisfies FuseV1Config

/** The packaged Electron executable, named the way electron-builder names it (its addElectronFuses). */
export function packagedExecutable(context: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName'> & { executableName: string }): string {
  const extension = { darwin: '.app', mas: '.app', win32: '.exe' }[context.electronPlatformName] ?? ''
  return path.join(context.appOutDir, `${context.executableName}${extension}`)
}

/** electron-builder's afterPack hook. */
export async function flipPackagedFuses(context: AfterPackContext): Promise<void> {
  const linux = context.electronPlatformName === 'linux'
  const executableName = linux ? (context.packager as unknown as { executableName: string }).executableName : context.packager.appInfo.productFilename
  await flipFuses(packagedExecutable({ ...context, executableName }), {
    ...FUSES,
    // Flipping a fuse changes the binary; Apple Silicon refuses to run it until it is signed again.
    resetAdHocDarwinSignature: context.electronPlatformName === 'darwin' && (context.arch === Arch.arm64 || context.arch === Arch.universal),
  })
}
