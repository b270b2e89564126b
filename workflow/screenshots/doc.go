// Package screenshots keeps an app's App Store screenshots in fastlane deliver's folder
// layout (screenshots/<locale>/*.png|jpg|jpeg, display type from the pixel size as deliver
// chooses it, order from a natural sort of the file names) and synchronises them with App
// Store Connect: compare by MD5, upload only new files, delete removed ones, reorder, and
// await processing narrowly. Apple's display types and sizes come from package apple.
package screenshots
