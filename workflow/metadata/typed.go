package metadata

import "github.com/ascend-tools/ascend/asc"

// This file maps the layout's files to the typed resources and request bodies of package asc,
// one function per direction and resource. TestTypedMappingFollowsTheFieldSpecs checks that
// they cover exactly the files of each scope, under the attribute names of the field specs.

// locale returns the values of a locale, created when missing.
func (m *Metadata) locale(l string) Values {
	v := m.Locales[l]
	if v == nil {
		v = Values{}
		m.Locales[l] = v
	}
	return v
}

// merge copies from into v, normalized as the layout's files are.
func (v Values) merge(from Values) {
	for k, s := range from {
		v[k] = normalize(s)
	}
}

// ptr returns a pointer to the value of file, or nil when the file is absent (left alone).
// An emptied text file is sent as "".
func (v Values) ptr(file string) *string {
	s, ok := v[file]
	if !ok {
		return nil
	}
	return &s
}

// url is ptr for a URL file, except that an emptied one is named in clear (the attribute
// member): App Store Connect clears a URL with null and refuses "".
func (v Values) url(file, member string, clear *[]string) *string {
	if s, ok := v[file]; ok && s == "" {
		*clear = append(*clear, member)
		return nil
	}
	return v.ptr(file)
}

func versionLocalizationValues(a *asc.AppStoreVersionLocalizationAttributes) Values {
	return Values{"description": a.Description, "keywords": a.Keywords, "release_notes": a.WhatsNew,
		"support_url": a.SupportURL, "marketing_url": a.MarketingURL, "promotional_text": a.PromotionalText}
}

func versionLocalizationUpdate(v Values) *asc.AppStoreVersionLocalizationUpdateRequestAttributes {
	a := &asc.AppStoreVersionLocalizationUpdateRequestAttributes{Description: v.ptr("description"), Keywords: v.ptr("keywords"),
		WhatsNew: v.ptr("release_notes"), PromotionalText: v.ptr("promotional_text")}
	a.SupportURL = v.url("support_url", "supportUrl", &a.Clear)
	a.MarketingURL = v.url("marketing_url", "marketingUrl", &a.Clear)
	return a
}

func versionLocalizationCreate(locale string, v Values) asc.AppStoreVersionLocalizationCreateRequestAttributes {
	u := versionLocalizationUpdate(v)
	return asc.AppStoreVersionLocalizationCreateRequestAttributes{Locale: locale, Description: u.Description, Keywords: u.Keywords,
		WhatsNew: u.WhatsNew, SupportURL: u.SupportURL, MarketingURL: u.MarketingURL, PromotionalText: u.PromotionalText}
}

func infoLocalizationValues(a *asc.AppInfoLocalizationAttributes) Values {
	return Values{"name": a.Name, "subtitle": a.Subtitle, "privacy_url": a.PrivacyPolicyURL, "apple_tv_privacy_policy": a.PrivacyPolicyText}
}

func infoLocalizationUpdate(v Values) *asc.AppInfoLocalizationUpdateRequestAttributes {
	a := &asc.AppInfoLocalizationUpdateRequestAttributes{Name: v.ptr("name"), Subtitle: v.ptr("subtitle"),
		PrivacyPolicyText: v.ptr("apple_tv_privacy_policy")}
	a.PrivacyPolicyURL = v.url("privacy_url", "privacyPolicyUrl", &a.Clear)
	return a
}

func infoLocalizationCreate(locale string, v Values) asc.AppInfoLocalizationCreateRequestAttributes {
	u := infoLocalizationUpdate(v)
	return asc.AppInfoLocalizationCreateRequestAttributes{Locale: locale, Name: v["name"], Subtitle: u.Subtitle,
		PrivacyPolicyURL: u.PrivacyPolicyURL, PrivacyPolicyText: u.PrivacyPolicyText}
}

func appClipLocalizationValues(a *asc.AppClipDefaultExperienceLocalizationAttributes) Values {
	return Values{AppClipSubtitleFile: a.Subtitle}
}

func appClipLocalizationUpdate(v Values) *asc.AppClipDefaultExperienceLocalizationUpdateRequestAttributes {
	return &asc.AppClipDefaultExperienceLocalizationUpdateRequestAttributes{Subtitle: v.ptr(AppClipSubtitleFile)}
}

func appClipLocalizationCreate(locale string, v Values) asc.AppClipDefaultExperienceLocalizationCreateRequestAttributes {
	return asc.AppClipDefaultExperienceLocalizationCreateRequestAttributes{Locale: locale, Subtitle: v.ptr(AppClipSubtitleFile)}
}

func reviewValues(a *asc.AppStoreReviewDetailAttributes) Values {
	return Values{"first_name": a.ContactFirstName, "last_name": a.ContactLastName, "phone_number": a.ContactPhone,
		"email_address": a.ContactEmail, "demo_user": a.DemoAccountName, "demo_password": a.DemoAccountPassword, "notes": a.Notes}
}

// reviewUpdate also sets demoAccountRequired whenever the demo user changes: Apple needs a
// demo account exactly when one is named.
func reviewUpdate(v Values) *asc.AppStoreReviewDetailUpdateRequestAttributes {
	a := &asc.AppStoreReviewDetailUpdateRequestAttributes{ContactFirstName: v.ptr("first_name"), ContactLastName: v.ptr("last_name"),
		ContactPhone: v.ptr("phone_number"), ContactEmail: v.ptr("email_address"), DemoAccountName: v.ptr("demo_user"),
		DemoAccountPassword: v.ptr("demo_password"), Notes: v.ptr("notes")}
	if user, ok := v["demo_user"]; ok {
		a.DemoAccountRequired = asc.Ptr(user != "")
	}
	return a
}

func reviewCreate(v Values) *asc.AppStoreReviewDetailCreateRequestAttributes {
	u := reviewUpdate(v)
	return &asc.AppStoreReviewDetailCreateRequestAttributes{ContactFirstName: u.ContactFirstName, ContactLastName: u.ContactLastName,
		ContactPhone: u.ContactPhone, ContactEmail: u.ContactEmail, DemoAccountName: u.DemoAccountName,
		DemoAccountPassword: u.DemoAccountPassword, DemoAccountRequired: u.DemoAccountRequired, Notes: u.Notes}
}

// categoryValues reads the app info's category ids; a category not set is absent.
func categoryValues(r *asc.AppInfoRelationships) Values {
	v := Values{}
	for file, rel := range map[string]*asc.Relationship{
		"primary_category": r.PrimaryCategory, "primary_first_sub_category": r.PrimarySubcategoryOne,
		"primary_second_sub_category": r.PrimarySubcategoryTwo, "secondary_category": r.SecondaryCategory,
		"secondary_first_sub_category": r.SecondarySubcategoryOne, "secondary_second_sub_category": r.SecondarySubcategoryTwo,
	} {
		if rel != nil && rel.Data.One != nil {
			v[file] = rel.Data.One.ID
		}
	}
	return v
}

// categoryUpdate links the categories the values name; an empty value unlinks one (null).
func categoryUpdate(v Values) *asc.AppInfoUpdateRequestRelationships {
	rel := func(file string) *asc.Relationship {
		id, ok := v[file]
		if !ok {
			return nil
		}
		r := &asc.Relationship{Data: asc.RelationshipData{Present: true}}
		if id != "" {
			r.Data = asc.ToOne("appCategories", id)
		}
		return r
	}
	return &asc.AppInfoUpdateRequestRelationships{PrimaryCategory: rel("primary_category"),
		PrimarySubcategoryOne: rel("primary_first_sub_category"), PrimarySubcategoryTwo: rel("primary_second_sub_category"),
		SecondaryCategory: rel("secondary_category"), SecondarySubcategoryOne: rel("secondary_first_sub_category"),
		SecondarySubcategoryTwo: rel("secondary_second_sub_category")}
}
